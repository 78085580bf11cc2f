{#
    Ground truth of attribution: one row per touch of every acquisition journey
    that ended in a sign-up during the run, with the credit the simulated
    conversion model itself gives the touch (its Shapley value in the chance of
    the journey as it happened; the simulator's agents/effects.py has the
    formula). A conversion is the customer's sign-up (one per customer); its
    credits sum to 1. A touch may get negative credit when it made the sign-up
    less likely than what would have happened without its channel.

    The attribution models of attribution_touches share orders over the
    sessions in a conversion window; this mart is what they try to recover.
    Touches that happened before the simulated period have no session.
#}

with

truth as (

    select * from {{ ref('stg_attribution_truth') }}

),

sessions as (

    select * from {{ ref('sessions') }}

),

counted as (

    select
        *,
        count(*) over (partition by customer_id) as touch_count

    from truth

),

final as (

    select
        {{ dbt.concat([
            "cast(counted.customer_id as " ~ dbt.type_string() ~ ")",
            "'-'",
            "cast(counted.touch_number as " ~ dbt.type_string() ~ ")",
        ]) }} as touch_id,
        counted.customer_id,
        counted.visitor_id,
        counted.converted_at,
        counted.session_id,
        sessions.started_at as session_started_at,
        sessions.site,
        {{ session_channel('counted.utm_source') }} as channel,
        counted.utm_source,
        counted.ad_id,
        sessions.utm_medium,
        sessions.utm_campaign,
        counted.touch_number,
        counted.touch_count,
        counted.touch_number = 1 as is_first_touch,
        counted.touch_number = counted.touch_count as is_last_touch,
        counted.credit

    from counted
    left join sessions
        on counted.session_id = sessions.session_id

)

select * from final
