-- Orders being returned (return_pending) or returned.

with

orders as (

    select * from {{ ref('orders') }}

),

final as (

    select
        order_id,
        customer_id,
        order_at,
        order_date,
        status,
        status = 'returned' as is_return_completed,
        amount_cents,
        amount,
        order_age_days

    from orders
    where is_returned

)

select * from final
