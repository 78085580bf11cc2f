{#- What Elementary's monitors (_elementary.yml) read of the validation signups: the monitored rows, how many other rows share its id, and whether its customer exists (1 or 0). -#}
with

signups as (

    select * from {{ ref('monitored_validation_signups') }}

),

customers as (

    select distinct customer_id from {{ ref('stg_validation_customers') }}
    where customer_id is not null

)

select
    signups.*,
    count(*) over (partition by signups.signup_id) - 1 as signup_id_repeats,
    case when customers.customer_id is null then 0 else 1 end as customer_found

from signups
left join customers
    on customers.customer_id = signups.customer_id
