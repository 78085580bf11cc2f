-- Daily cost per acquisition and return on ad spend per ad source. Orders are
-- credited to the source of their converting (last-touch) session on the
-- order's date; spend comes from ads_spend.
--   cpa                    = spend / attributed orders
--   cost_per_new_customer  = spend / attributed first orders
--   roas                   = attributed revenue / spend

with

spend as (

    select
        date_day,
        utm_source,
        sum(spend_amount) as spend_amount,
        cast(sum(impressions) as {{ dbt.type_bigint() }}) as impressions,
        cast(sum(clicks) as {{ dbt.type_bigint() }}) as clicks

    from {{ ref('ads_spend') }}
    group by date_day, utm_source

),

conversions as (

    select
        cast(order_at as date) as date_day,
        utm_source,
        count(*) as conversions,
        count(case when is_first_order then 1 end) as new_customers,
        sum(order_amount) as revenue_amount

    from {{ ref('customer_conversions') }}
    where utm_source is not null
    group by cast(order_at as date), utm_source

),

days_and_sources as (

    select date_day, utm_source from spend
    union
    select date_day, utm_source from conversions

),

final as (

    select
        days_and_sources.date_day,
        days_and_sources.utm_source,
        coalesce(spend.spend_amount, 0) as spend_amount,
        coalesce(spend.impressions, 0) as impressions,
        coalesce(spend.clicks, 0) as clicks,
        coalesce(conversions.conversions, 0) as conversions,
        coalesce(conversions.new_customers, 0) as new_customers,
        coalesce(conversions.revenue_amount, 0) as revenue_amount,
        {{ safe_divide('spend.spend_amount', 'conversions.conversions') }} as cpa,
        {{ safe_divide('spend.spend_amount', 'conversions.new_customers') }}
            as cost_per_new_customer,
        {{ safe_divide('conversions.revenue_amount', 'spend.spend_amount') }} as roas

    from days_and_sources
    left join spend
        on days_and_sources.date_day = spend.date_day
        and days_and_sources.utm_source = spend.utm_source
    left join conversions
        on days_and_sources.date_day = conversions.date_day
        and days_and_sources.utm_source = conversions.utm_source

)

select * from final
