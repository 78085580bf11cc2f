-- Daily marketing funnel per channel: impressions -> clicks -> sessions ->
-- signups -> first orders -> revenue. Channels are the ad sources, 'organic'
-- (sessions without an ad) and 'unattributed' (signups or orders without a
-- session of the customer to credit).
--   sessions      by the session's start date and channel
--   signups       by signup date and the channel of the signup session
--   first_orders  by order date and the channel of the converting session
--   revenue       all orders, by order date and converting-session channel
-- Only the simulated days count: from the first day with ad data on (customers who joined
-- before the simulated period signed up earlier, outside the funnel).

with

ads_daily as (

    select
        date_day,
        utm_source as channel,
        cast(sum(impressions) as {{ dbt.type_bigint() }}) as impressions,
        cast(sum(clicks) as {{ dbt.type_bigint() }}) as clicks,
        sum(spend_amount) as spend_amount

    from {{ ref('ads_spend') }}
    group by date_day, utm_source

),

sessions_daily as (

    select
        session_date as date_day,
        channel,
        count(*) as sessions,
        count(distinct visitor_id) as visitors

    from {{ ref('sessions') }}
    group by session_date, channel

),

signups_daily as (

    select
        cast(signup_at as date) as date_day,
        coalesce(signup_channel, 'unattributed') as channel,
        count(*) as signups

    from {{ ref('customers') }}
    where signup_at is not null
    group by cast(signup_at as date), coalesce(signup_channel, 'unattributed')

),

orders_daily as (

    select
        cast(order_at as date) as date_day,
        channel,
        count(case when is_first_order then 1 end) as first_orders,
        sum(case when is_first_order then order_amount else 0 end) as first_order_revenue_amount,
        count(*) as orders,
        sum(order_amount) as revenue_amount

    from {{ ref('customer_conversions') }}
    group by cast(order_at as date), channel

),

simulated_days as (

    select min(date_day) as first_day from ads_daily

),

days_and_channels as (

    select date_day, channel from ads_daily
    union
    select date_day, channel from sessions_daily
    union
    select date_day, channel from signups_daily
    union
    select date_day, channel from orders_daily

),

final as (

    select
        days_and_channels.date_day,
        days_and_channels.channel,
        coalesce(ads_daily.impressions, 0) as impressions,
        coalesce(ads_daily.clicks, 0) as clicks,
        coalesce(ads_daily.spend_amount, 0) as spend_amount,
        coalesce(sessions_daily.sessions, 0) as sessions,
        coalesce(sessions_daily.visitors, 0) as visitors,
        coalesce(signups_daily.signups, 0) as signups,
        coalesce(orders_daily.first_orders, 0) as first_orders,
        coalesce(orders_daily.first_order_revenue_amount, 0) as first_order_revenue_amount,
        coalesce(orders_daily.orders, 0) as orders,
        coalesce(orders_daily.revenue_amount, 0) as revenue_amount,
        {{ safe_divide('ads_daily.clicks', 'ads_daily.impressions') }} as click_through_rate,
        {{ safe_divide('orders_daily.first_orders', 'sessions_daily.sessions') }}
            as session_to_first_order_rate

    from days_and_channels
    left join ads_daily
        on days_and_channels.date_day = ads_daily.date_day
        and days_and_channels.channel = ads_daily.channel
    left join sessions_daily
        on days_and_channels.date_day = sessions_daily.date_day
        and days_and_channels.channel = sessions_daily.channel
    left join signups_daily
        on days_and_channels.date_day = signups_daily.date_day
        and days_and_channels.channel = signups_daily.channel
    left join orders_daily
        on days_and_channels.date_day = orders_daily.date_day
        and days_and_channels.channel = orders_daily.channel
    where days_and_channels.date_day >= (select first_day from simulated_days)

)

select * from final
