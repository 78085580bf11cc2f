{#-
    The training orders in the shape of monitored_orders: the baseline of the
    anomaly tests, in training and in validation runs alike.
-#}
{{ depends_on_training_seed('raw_orders_training') }}

with

source as (

    select * from {{ source('shop', 'raw_orders_training') }}

),

renamed as (

    select
        cast(id as {{ api.Column.translate_type('integer') }}) as order_id,
        cast(user_id as {{ api.Column.translate_type('integer') }}) as customer_id,
        cast(order_date as {{ dbt.type_timestamp() }}) as order_at,
        status

    from source

)

select
    *,
    order_at as activity_at

from renamed
