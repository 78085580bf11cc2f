-- One row per session (app and website), with the stitched customer id and the
-- ad it came from. Ads are daily rows, so the ad is joined on ad id *and* the
-- session's date: (ad_id, ad_date) is unique, the join cannot fan out.

with

sessions as (

    select * from {{ ref('stg_sessions') }}

),

visitor_customers as (

    select * from {{ ref('int_visitor_customers') }}

),

ads as (

    select * from {{ ref('stg_ads') }}

),

stitched as (

    select
        sessions.*,
        cast(sessions.started_at as date) as session_date,
        coalesce(sessions.customer_id, visitor_customers.customer_id) as stitched_customer_id

    from sessions
    left join visitor_customers
        on sessions.visitor_id = visitor_customers.visitor_id

),

final as (

    select
        stitched.session_id,
        stitched.site,
        stitched.visitor_id,
        stitched.stitched_customer_id as customer_id,
        stitched.customer_id as recorded_customer_id,
        stitched.customer_id is null
            and stitched.stitched_customer_id is not null as is_stitched,
        stitched.started_at,
        stitched.ended_at,
        stitched.session_date,
        {{ dbt.datediff('stitched.started_at', 'stitched.ended_at', 'second') }} / 60.0
            as duration_minutes,
        {{ session_channel('stitched.utm_source') }} as channel,
        stitched.ad_id is not null as is_paid,
        stitched.utm_source,
        stitched.ad_id,
        ads.utm_medium,
        ads.utm_campaign

    from stitched
    left join ads
        on stitched.ad_id = ads.ad_id
        and stitched.session_date = ads.ad_date

)

select * from final
