{#-
    The training customers in the shape of monitored_customers (dated by
    their signup): the baseline of the anomaly tests.
-#}
{{ depends_on_training_seed('raw_customers_training') }}

with

source as (

    select * from {{ source('shop', 'raw_customers_training') }}

),

renamed as (

    select
        cast(id as {{ api.Column.translate_type('integer') }}) as customer_id,
        first_name,
        last_name

    from source

),

signup_times as (

    select
        customer_id,
        min(signup_at) as signup_at

    from {{ ref('baseline_signups') }}
    where customer_id is not null
    group by customer_id

)

select
    renamed.*,
    signup_times.signup_at as activity_at

from renamed
left join signup_times
    on signup_times.customer_id = renamed.customer_id
