-- Daily ad spend, impressions and clicks by source, medium and campaign.

with

ads as (

    select * from {{ ref('stg_ads') }}

),

daily as (

    select
        ad_date as date_day,
        utm_source,
        utm_medium,
        utm_campaign,
        count(distinct ad_id) as ad_count,
        sum(cost_amount) as spend_amount,
        cast(sum(impressions) as {{ dbt.type_bigint() }}) as impressions,
        cast(sum(clicks) as {{ dbt.type_bigint() }}) as clicks

    from ads
    group by ad_date, utm_source, utm_medium, utm_campaign

)

select * from daily
