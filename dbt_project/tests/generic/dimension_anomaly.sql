{#
    Dimension anomaly: on each detection day, the share of rows in every
    category of column_name (null is the category '(null)') lies within the
    baseline's mean daily share of that category
    +- max(sensitivity * sd, min_absolute_change). The sd is the larger of the
    baseline days' sd and the binomial sd of the day's own rows. A category
    never seen in the baseline has a baseline share of 0, so a new value fails
    once its share exceeds min_absolute_change.

    Rows are dated by timestamp_column; baseline names the model with the
    same columns holding the training data (macro baseline_relation: a name,
    not a ref). See macros/anomalies.sql for the
    calendar, the leave-one-out baseline and the periods.
#}
{% test dimension_anomaly(
    model,
    column_name,
    timestamp_column,
    baseline,
    sensitivity=4,
    min_absolute_change=0.1,
    baseline_days=28,
    min_baseline_days=3,
    detection_days=none
) %}

{%- set baseline_relation = jaffle_sim.baseline_relation(baseline) -%}

{%- set double = jaffle_sim.type_double() -%}
{%- set category = "coalesce(cast(" ~ column_name ~ " as " ~ dbt.type_string() ~ "), '(null)')" -%}

with

{{ jaffle_sim.anomaly_calendar(detection_days, baseline_days) }}

tested_rows as (

    select
        detection_days.activity_date,
        source_rows.category

    from detection_days
    inner join (
        select
            cast({{ timestamp_column }} as date) as activity_date,
            {{ category }} as category
        from {{ model }}
    ) as source_rows
        on source_rows.activity_date = detection_days.activity_date

),

baseline_rows as (

    select
        baseline_days.activity_date,
        source_rows.category

    from baseline_days
    inner join (
        select
            cast({{ timestamp_column }} as date) as activity_date,
            {{ category }} as category
        from {{ baseline_relation }}
    ) as source_rows
        on source_rows.activity_date = baseline_days.activity_date

),

categories as (

    select category from baseline_rows
    union
    select category from tested_rows

),

{% for side in ['tested', 'baseline'] %}
{{ side }}_day_totals as (

    select activity_date, count(*) as day_rows
    from {{ side }}_rows
    group by activity_date

),

{{ side }}_counts as (

    select activity_date, category, count(*) as category_rows
    from {{ side }}_rows
    group by activity_date, category

),

{{ side }}_daily as (

    select
        totals.activity_date,
        categories.category,
        cast(coalesce(counts.category_rows, 0) as {{ double }}) / totals.day_rows as metric_value,
        totals.day_rows as row_count,
        cast(null as {{ double }}) as value_sum,
        cast(null as {{ double }}) as value_square_sum

    from {{ side }}_day_totals as totals
    cross join categories
    left join {{ side }}_counts as counts
        on counts.activity_date = totals.activity_date
        and counts.category = categories.category

),
{% endfor %}

{{ jaffle_sim.anomaly_verdict(
    'binomial', sensitivity, 0, min_absolute_change, min_baseline_days, keys=['category']) }}

{% endtest %}
