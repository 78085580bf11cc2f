{#-
    The training payments in the shape of monitored_payments (dated by their
    order): the baseline of the anomaly tests.
-#}
{{ depends_on_training_seed('raw_payments_training') }}

with

source as (

    select * from {{ source('shop', 'raw_payments_training') }}

),

renamed as (

    select
        cast(id as {{ api.Column.translate_type('integer') }}) as payment_id,
        cast(order_id as {{ api.Column.translate_type('integer') }}) as order_id,
        payment_method,
        cast(amount as {{ api.Column.translate_type('integer') }}) as amount_cents

    from source

),

order_times as (

    select
        order_id,
        min(order_at) as order_at

    from {{ ref('baseline_orders') }}
    where order_id is not null
    group by order_id

)

select
    renamed.*,
    {{ cents_to_dollars('renamed.amount_cents') }} as amount,
    order_times.order_at as activity_at

from renamed
left join order_times
    on order_times.order_id = renamed.order_id
