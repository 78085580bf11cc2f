-- For each order, the most recent session of its (stitched) customer that
-- started within var('conversion_window_days') before the order: the last
-- touch of attribution_touches. Orders without such a session are kept, with
-- channel 'unattributed' and empty session columns.

with

orders as (

    select * from {{ ref('orders') }}

),

last_touches as (

    select * from {{ ref('attribution_touches') }}
    where is_last_touch

),

final as (

    select
        orders.order_id,
        orders.customer_id,
        orders.order_at,
        orders.amount as order_amount,
        orders.is_first_order,
        last_touches.session_id is not null as is_attributed,
        last_touches.session_id,
        last_touches.session_started_at,
        last_touches.site,
        coalesce(last_touches.channel, 'unattributed') as channel,
        last_touches.utm_source,
        last_touches.utm_medium,
        last_touches.utm_campaign,
        last_touches.ad_id,
        coalesce(last_touches.touch_count, 0) as touch_count,
        last_touches.hours_to_order,
        {{ calendar_days_between('last_touches.session_started_at', 'orders.order_at') }}
            as days_to_order

    from orders
    left join last_touches
        on orders.order_id = last_touches.order_id

)

select * from final
