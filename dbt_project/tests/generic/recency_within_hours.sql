{#
    Freshness in simulated time: the latest value of column_name (a timestamp)
    up to var('simulated_now') lies at most max_hours before it. Fails with no
    rows at all; passes when simulated_now is empty (there is no "now" to
    judge against). Rows after simulated_now are not_after_simulated_now's
    business and are ignored here.
#}
{% test recency_within_hours(model, column_name, max_hours) %}

{{ jaffle_sim.anomaly_check_number('max_hours', max_hours, 0) }}

with

bounds as (

    select {{ jaffle_sim.simulated_now() }} as now_at

),

latest as (

    select max({{ column_name }}) as latest_at
    from {{ model }}
    cross join bounds
    where {{ column_name }} <= bounds.now_at

)

select
    latest.latest_at,
    bounds.now_at,
    {{ jaffle_sim.hours_between('latest.latest_at', 'bounds.now_at') }} as hours_since_latest

from bounds
cross join latest
where bounds.now_at is not null
    and (
        latest.latest_at is null
        or {{ jaffle_sim.hours_between('latest.latest_at', 'bounds.now_at') }} > {{ max_hours }}
    )

{% endtest %}
