{#
    Multi-touch attribution. A conversion is an order with at least one session
    of its (stitched) customer that started in the conversion window before it:
    order_at - conversion_window_days <= started_at < order_at. Every such
    session is a touch; touches are numbered chronologically (1 = earliest,
    n = touch_count = the last touch before the order).

    Weights per conversion, each model summing to 1:
      first_touch     1 for touch 1, else 0
      last_touch      1 for touch n, else 0
      linear          1/n
      position_based  40/20/40: n=1 -> 1; n=2 -> 0.5 each; n>=3 -> 0.4 first,
                      0.4 last, 0.2/(n-2) each touch in between
      time_decay      0.7 per step back from the last touch, normalised:
                      0.7^(n-k) / sum over the conversion's touches of 0.7^(n-j)

    Weights are rounded to 10 decimals (so 1/3 is 0.3333333333), which keeps
    them stable across engines; every model still sums to 1 within 1e-9.
#}
{%- set window_days = conversion_window_days() -%}
{%- set decay = 0.7 -%}

with

orders as (

    select * from {{ ref('orders') }}

),

sessions as (

    select * from {{ ref('sessions') }}
    where customer_id is not null

),

touches as (

    select
        orders.order_id,
        orders.customer_id,
        orders.order_at,
        orders.amount as order_amount,
        sessions.session_id,
        sessions.started_at as session_started_at,
        sessions.site,
        sessions.channel,
        sessions.utm_source,
        sessions.utm_medium,
        sessions.utm_campaign,
        sessions.ad_id

    from orders
    inner join sessions
        on orders.customer_id = sessions.customer_id
        and sessions.started_at < orders.order_at
        and sessions.started_at >= {{ dbt.dateadd('day', -window_days, 'orders.order_at') }}

),

numbered as (

    select
        *,
        row_number() over (
            partition by order_id
            order by session_started_at, session_id
        ) as touch_number,
        count(*) over (partition by order_id) as touch_count

    from touches

),

weighted as (

    select
        *,
        {{ round_weight('case when touch_number = 1 then 1 else 0 end') }}
            as first_touch_weight,
        {{ round_weight('case when touch_number = touch_count then 1 else 0 end') }}
            as last_touch_weight,
        {{ round_weight('1.0 / touch_count') }} as linear_weight,
        {{ round_weight(
            'case
                when touch_count = 1 then 1.0
                when touch_count = 2 then 0.5
                when touch_number = 1 or touch_number = touch_count then 0.4
                else 0.2 / (touch_count - 2)
            end') }} as position_based_weight,
        {{ round_weight(
            'power(' ~ decay ~ ', touch_count - touch_number)
            / sum(power(' ~ decay ~ ', touch_count - touch_number)) over (partition by order_id)'
        ) }} as time_decay_weight

    from numbered

),

final as (

    select
        {{ dbt.concat(["cast(order_id as " ~ dbt.type_string() ~ ")", "'-'", "session_id"]) }}
            as touch_id,
        order_id,
        customer_id,
        order_at,
        order_amount,
        session_id,
        session_started_at,
        {{ hours_between('session_started_at', 'order_at') }} as hours_to_order,
        site,
        channel,
        utm_source,
        utm_medium,
        utm_campaign,
        ad_id,
        touch_number,
        touch_count,
        touch_number = 1 as is_first_touch,
        touch_number = touch_count as is_last_touch,
        first_touch_weight,
        last_touch_weight,
        linear_weight,
        position_based_weight,
        time_decay_weight

    from weighted

)

select * from final
