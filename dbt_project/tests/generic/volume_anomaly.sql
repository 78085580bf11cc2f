{#
    Volume anomaly: the number of rows of each detection day (rows dated by
    timestamp_column) lies within the baseline's mean daily count
    +- max(sensitivity * sd, min_relative_change * mean, min_absolute_change).
    The sd is the larger of the baseline days' sd and sqrt(mean) (Poisson).
    A detection day without rows counts 0 (so a missing day fails).

    baseline: the name of the model with the same columns holding the training
    data (macro baseline_relation: a name, not a ref)
    (models/monitoring/baseline_*). See macros/anomalies.sql for the calendar,
    the leave-one-out baseline and the periods.
#}
{% test volume_anomaly(
    model,
    timestamp_column,
    baseline,
    sensitivity=4,
    min_relative_change=0.2,
    min_absolute_change=0,
    baseline_days=28,
    min_baseline_days=3,
    detection_days=none
) %}

{%- set baseline_relation = jaffle_sim.baseline_relation(baseline) -%}

with

{{ jaffle_sim.anomaly_calendar(detection_days, baseline_days) }}

tested_rows as (

    select cast({{ timestamp_column }} as date) as activity_date
    from {{ model }}

),

baseline_rows as (

    select cast({{ timestamp_column }} as date) as activity_date
    from {{ baseline_relation }}

),

tested_daily as (

    select
        detection_days.activity_date,
        cast(count(tested_rows.activity_date) as {{ jaffle_sim.type_double() }}) as metric_value,
        count(tested_rows.activity_date) as row_count,
        cast(null as {{ jaffle_sim.type_double() }}) as value_sum,
        cast(null as {{ jaffle_sim.type_double() }}) as value_square_sum

    from detection_days
    left join tested_rows
        on tested_rows.activity_date = detection_days.activity_date
    group by detection_days.activity_date

),

baseline_daily as (

    select
        baseline_days.activity_date,
        cast(count(baseline_rows.activity_date) as {{ jaffle_sim.type_double() }}) as metric_value,
        count(baseline_rows.activity_date) as row_count,
        cast(null as {{ jaffle_sim.type_double() }}) as value_sum,
        cast(null as {{ jaffle_sim.type_double() }}) as value_square_sum

    from baseline_days
    left join baseline_rows
        on baseline_rows.activity_date = baseline_days.activity_date
    group by baseline_days.activity_date

),

{{ jaffle_sim.anomaly_verdict(
    'poisson', sensitivity, min_relative_change, min_absolute_change, min_baseline_days) }}

{% endtest %}
