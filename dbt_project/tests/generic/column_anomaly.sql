{#
    Column anomaly: a daily metric of a column (or of an SQL `expression` over
    the row, e.g. "extract(hour from order_at)") on each detection day lies
    within the baseline's mean of the same daily metric
    +- max(sensitivity * sd, min_relative_change * |mean|, min_absolute_change).

    metric:
      null_rate      share of rows where the value is null
      blank_rate     share of rows where the value is null or only whitespace
      zero_rate      share of non-null values equal to 0
      average        mean of the non-null values
      distinct_rate  distinct non-null values / non-null values
    min_hit_count (rates only, default 0): a day whose rate rises fails only
    with at least this many rows hit (a noise floor of a few defects per
    thousand rows puts one or two on a small day by chance).
    The sd is the larger of the baseline days' sd and the sampling sd of the
    day's own rows (binomial for the rates, sd / sqrt(n) for the average). Days
    without values are not judged. Rows are dated by timestamp_column; baseline
    names the model with the same columns holding the training data
    (macro baseline_relation: a name, not a ref). See
    macros/anomalies.sql for the calendar, the leave-one-out baseline and the
    periods.
#}
{% test column_anomaly(
    model,
    column_name,
    timestamp_column,
    baseline,
    metric,
    expression=none,
    sensitivity=4,
    min_relative_change=0,
    min_absolute_change=0.05,
    baseline_days=28,
    min_baseline_days=3,
    detection_days=none,
    min_hit_count=0
) %}

{%- set baseline_relation = jaffle_sim.baseline_relation(baseline) -%}

{%- set value = expression if expression is not none else column_name -%}
{%- set double = jaffle_sim.type_double() -%}
{%- if metric == 'null_rate' -%}
    {%- set metric_sql = 'avg(case when observed is null then 1.0 else 0.0 end)' -%}
    {%- set count_sql = 'count(*)' -%}
{%- elif metric == 'blank_rate' -%}
    {%- set metric_sql = "avg(case when observed is null or trim(cast(observed as " ~ dbt.type_string() ~ ")) = '' then 1.0 else 0.0 end)" -%}
    {%- set count_sql = 'count(*)' -%}
{%- elif metric == 'zero_rate' -%}
    {%- set metric_sql = 'avg(case when observed = 0 then 1.0 when observed is not null then 0.0 end)' -%}
    {%- set count_sql = 'count(observed)' -%}
{%- elif metric == 'average' -%}
    {%- set metric_sql = 'avg(cast(observed as ' ~ double ~ '))' -%}
    {%- set count_sql = 'count(observed)' -%}
{%- elif metric == 'distinct_rate' -%}
    {%- set metric_sql = 'count(distinct observed) * 1.0 / nullif(count(observed), 0)' -%}
    {%- set count_sql = 'count(observed)' -%}
{%- else -%}
    {{ exceptions.raise_compiler_error(
        "column_anomaly: metric must be null_rate, blank_rate, zero_rate, average or distinct_rate, got '"
        ~ metric ~ "'") }}
{%- endif -%}
{%- if min_hit_count and metric not in ('null_rate', 'blank_rate', 'zero_rate') -%}
    {{ exceptions.raise_compiler_error(
        "column_anomaly: min_hit_count applies to null_rate, blank_rate and zero_rate, not '"
        ~ metric ~ "'") }}
{%- endif -%}
{%- if metric == 'average' -%}
    {%- set sum_sql = 'sum(cast(observed as ' ~ double ~ '))' -%}
    {%- set square_sum_sql = 'sum(cast(observed as ' ~ double ~ ') * cast(observed as ' ~ double ~ '))' -%}
{%- else -%}
    {%- set sum_sql = 'cast(null as ' ~ double ~ ')' -%}
    {%- set square_sum_sql = sum_sql -%}
{%- endif -%}

with

{{ jaffle_sim.anomaly_calendar(detection_days, baseline_days) }}

tested_rows as (

    select
        cast({{ timestamp_column }} as date) as activity_date,
        {{ value }} as observed
    from {{ model }}

),

baseline_rows as (

    select
        cast({{ timestamp_column }} as date) as activity_date,
        {{ value }} as observed
    from {{ baseline_relation }}

),

tested_daily as (

    select
        detection_days.activity_date,
        cast({{ metric_sql }} as {{ double }}) as metric_value,
        {{ count_sql }} as row_count,
        {{ sum_sql }} as value_sum,
        {{ square_sum_sql }} as value_square_sum

    from detection_days
    inner join tested_rows
        on tested_rows.activity_date = detection_days.activity_date
    group by detection_days.activity_date

),

baseline_daily as (

    select
        baseline_days.activity_date,
        cast({{ metric_sql }} as {{ double }}) as metric_value,
        {{ count_sql }} as row_count,
        {{ sum_sql }} as value_sum,
        {{ square_sum_sql }} as value_square_sum

    from baseline_days
    inner join baseline_rows
        on baseline_rows.activity_date = baseline_days.activity_date
    group by baseline_days.activity_date

),

{{ jaffle_sim.anomaly_verdict(
    'mean' if metric == 'average' else 'binomial',
    sensitivity, min_relative_change, min_absolute_change, min_baseline_days,
    min_hit_count=min_hit_count) }}

{% endtest %}
