{#- What Elementary's monitors (_elementary.yml) read of the training customers: the monitored rows and whether the first name is the one the signup's email starts with (first.last<number>@...; null without an email). -#}
with

customers as (

    select * from {{ ref('monitored_customers') }}

),

emails as (

    select
        customer_id,
        min(email) as email

    from {{ ref('stg_signups') }}
    where customer_id is not null
    group by customer_id

)

select
    customers.*,
    case
        when emails.email is null then null
        when regexp_replace(lower(coalesce(customers.first_name, '')), '[^a-z0-9]', '', 'g')
            = split_part(lower(emails.email), '.', 1) then 1
        else 0
    end as first_name_matches_email

from customers
left join emails
    on emails.customer_id = customers.customer_id
