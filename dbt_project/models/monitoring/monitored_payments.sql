{#-
    Payments of the active flavour, each dated by the time of its order. A
    payment whose order cannot be found (a broken order id) has no date and
    counts on no day.
-#}

with

payments as (

    select * from {{ ref('stg_payments') }}

),

order_times as (

    select
        order_id,
        min(order_at) as order_at

    from {{ ref('stg_orders') }}
    where order_id is not null
    group by order_id

)

select
    payments.*,
    order_times.order_at as activity_at

from payments
left join order_times
    on order_times.order_id = payments.order_id
