{#
    Building blocks of the anomaly tests (tests/generic/*_anomaly.sql,
    reference_values_share). Every test compares the data under test (the
    model it sits on: monitored_* or monitored_validation_*) with the training
    baseline, day by day in simulated time:

      * the simulated calendar is the set of days with training orders; days
        before the first of them are ignored (customers acquired before the
        run keep their old signup dates, which must not become baseline days);
      * detection days: the last `detection_days` complete days before
        var('simulated_now') (var('detection_days'), default 7), from the
        first calendar day on;
      * baseline days: the calendar days before simulated_now, at most
        `baseline_days` back (all of them when none), except the detection
        day being judged (leave-one-out: a day never sits in its own
        baseline);
      * with fewer than `min_baseline_days` baseline days nothing is judged.

    Nothing reads the wall clock: without simulated_now there are no
    detection days and every anomaly test passes.
#}


{# var('detection_days') (or the test's own value) as a positive integer. #}
{% macro anomaly_detection_days(override=none) -%}
    {%- set raw = override if override is not none else var('detection_days', 7) -%}
    {%- set text = raw | string | trim -%}
    {%- if not modules.re.match('^[0-9]+$', text) or (text | int) < 1 -%}
        {{ exceptions.raise_compiler_error(
            "detection_days must be a positive integer, got '" ~ raw ~ "'") }}
    {%- endif -%}
    {{ return(text | int) }}
{%- endmacro %}


{# Fail at compile time unless `value` is a number >= minimum. #}
{% macro anomaly_check_number(name, value, minimum=0) -%}
    {%- if value is none or value is string or value is mapping or value is sequence
        or not (value is number) or value < minimum -%}
        {{ exceptions.raise_compiler_error(
            name ~ " must be a number >= " ~ minimum ~ ", got '" ~ value ~ "'") }}
    {%- endif -%}
{%- endmacro %}


{#
    CTEs simulated_days, calendar_bounds, detection_days and baseline_days
    (each with one `activity_date` column; calendar_bounds has first_day and
    today). Ends with a comma.
#}
{% macro anomaly_calendar(detection_days, baseline_days=none) -%}
{%- set detection_days = jaffle_sim.anomaly_detection_days(detection_days) -%}
{%- if baseline_days is not none -%}
    {{ jaffle_sim.anomaly_check_number('baseline_days', baseline_days, 1) }}
{%- endif %}
simulated_days as (

    select distinct cast(order_date as date) as activity_date
    from {{ source('shop', 'raw_orders_training') }}
    where order_date is not null

),

calendar_bounds as (

    select
        min(activity_date) as first_day,
        cast({{ jaffle_sim.simulated_now() }} as date) as today

    from simulated_days

),

detection_offsets as (

    {% for offset in range(1, detection_days + 1) -%}
    select {{ offset }} as days_back
    {% if not loop.last %}union all
    {% endif %}
    {%- endfor %}

),

detection_candidates as (

    select
        cast({{ dbt.dateadd('day', '0 - detection_offsets.days_back', 'calendar_bounds.today') }} as date)
            as activity_date,
        calendar_bounds.first_day

    from detection_offsets
    cross join calendar_bounds

),

detection_days as (

    select activity_date
    from detection_candidates
    where activity_date >= first_day

),

baseline_days as (

    select simulated_days.activity_date
    from simulated_days
    cross join calendar_bounds
    where simulated_days.activity_date < calendar_bounds.today
        {%- if baseline_days is not none %}
        and simulated_days.activity_date
            >= cast({{ dbt.dateadd('day', 0 - (baseline_days | int), 'calendar_bounds.today') }} as date)
        {%- endif %}

),
{%- endmacro %}


{#
    The judgement shared by the volume, column and dimension tests. Expects the
    CTEs of anomaly_calendar() plus

      tested_daily:   one row per detection day (and key) with data under test
      baseline_daily: one row per baseline day (and key)

    both with columns activity_date, <keys>, metric_value, row_count,
    value_sum, value_square_sum (the last two only matter for noise 'mean').

    A detection day fails when
        |metric - baseline mean| > max(sensitivity * max(baseline sd, sampling sd),
                                       min_relative_change * |baseline mean|,
                                       min_absolute_change)
    The sampling sd is the noise expected from the day's own row count alone,
    so that a baseline of a few quiet days does not make the test twitchy:
      poisson:  sqrt(mean)                          (a count of rows)
      binomial: sqrt(p * (1 - p) / n)               (a rate or a share over n rows)
                with p = (hits + 0.5) / (rows + 1) over all baseline rows: a
                value never seen in a handful of baseline rows is not proof
                that it cannot happen, one never seen in thousands nearly is
      mean:     sd of the baseline values / sqrt(n) (an average over n values)
      none:     0
    With `min_hit_count` (rates only: metric_value * row_count is the number of
    rows counted by the rate) a day whose rate rises fails only when at least
    that many rows are hit: a floor of a few defects per thousand rows puts one
    or two on a small day by chance, a planted anomaly many more.
    Returns the failing days with the metric, the baseline and the bounds.
#}
{% macro anomaly_verdict(noise, sensitivity, min_relative_change, min_absolute_change, min_baseline_days, keys=[], min_hit_count=0) -%}
{{ jaffle_sim.anomaly_check_number('sensitivity', sensitivity, 0) }}
{{ jaffle_sim.anomaly_check_number('min_relative_change', min_relative_change, 0) }}
{{ jaffle_sim.anomaly_check_number('min_absolute_change', min_absolute_change, 0) }}
{{ jaffle_sim.anomaly_check_number('min_baseline_days', min_baseline_days, 1) }}
{{ jaffle_sim.anomaly_check_number('min_hit_count', min_hit_count, 0) }}
{%- set double = jaffle_sim.type_double() -%}
{%- if noise == 'poisson' -%}
    {%- set sampling_sd = 'sqrt(greatest(stats.baseline_mean, 0))' -%}
{%- elif noise == 'binomial' -%}
    {%- set pooled_rate = '((stats.baseline_hit_count + 0.5) / (stats.baseline_row_count + 1))' -%}
    {%- set sampling_sd = 'sqrt(greatest(' ~ pooled_rate ~ ' * (1 - ' ~ pooled_rate ~ '), 0) / tested.row_count)' -%}
{%- elif noise == 'mean' -%}
    {%- set sampling_sd = 'sqrt(greatest((stats.baseline_value_square_sum - stats.baseline_value_sum * stats.baseline_value_sum / stats.baseline_row_count) / nullif(stats.baseline_row_count - 1, 0), 0) / tested.row_count)' -%}
{%- elif noise == 'none' -%}
    {%- set sampling_sd = '0' -%}
{%- else -%}
    {{ exceptions.raise_compiler_error("noise must be poisson, binomial, mean or none, got '" ~ noise ~ "'") }}
{%- endif %}

baseline_stats as (

    select
        detection_days.activity_date,
        {%- for key in keys %}
        baseline_daily.{{ key }},
        {%- endfor %}
        count(baseline_daily.metric_value) as baseline_day_count,
        avg(baseline_daily.metric_value) as baseline_mean,
        stddev_samp(baseline_daily.metric_value) as baseline_sd,
        sum(case when baseline_daily.metric_value is not null then baseline_daily.row_count end)
            as baseline_row_count,
        sum(baseline_daily.metric_value * baseline_daily.row_count) as baseline_hit_count,
        sum(cast(baseline_daily.value_sum as {{ double }})) as baseline_value_sum,
        sum(cast(baseline_daily.value_square_sum as {{ double }})) as baseline_value_square_sum

    from detection_days
    inner join baseline_daily
        on baseline_daily.activity_date <> detection_days.activity_date
    group by
        detection_days.activity_date
        {%- for key in keys %},
        baseline_daily.{{ key }}
        {%- endfor %}

),

compared as (

    select
        stats.activity_date,
        {%- for key in keys %}
        stats.{{ key }},
        {%- endfor %}
        tested.metric_value,
        tested.row_count,
        stats.baseline_mean,
        stats.baseline_sd,
        stats.baseline_day_count,
        greatest(
            {{ sensitivity }} * greatest(
                coalesce(stats.baseline_sd, 0),
                coalesce({{ sampling_sd }}, 0)
            ),
            {{ min_relative_change }} * abs(stats.baseline_mean),
            {{ min_absolute_change }}
        ) as allowed_change

    from baseline_stats as stats
    inner join tested_daily as tested
        on tested.activity_date = stats.activity_date
        {%- for key in keys %}
        and tested.{{ key }} = stats.{{ key }}
        {%- endfor %}

)

select
    activity_date,
    {%- for key in keys %}
    {{ key }},
    {%- endfor %}
    metric_value,
    row_count,
    baseline_mean,
    baseline_sd,
    baseline_day_count,
    baseline_mean - allowed_change as lower_bound,
    baseline_mean + allowed_change as upper_bound

from compared
where baseline_day_count >= {{ min_baseline_days }}
    and metric_value is not null
    and abs(metric_value - baseline_mean) > allowed_change
    {%- if min_hit_count > 0 %}
    and (metric_value < baseline_mean or metric_value * row_count > {{ min_hit_count }} - 0.5)
    {%- endif %}
{%- endmacro %}


{#
    baseline_relation(baseline): the relation of the anomaly tests' `baseline`
    argument, the name of a model of this project (e.g. baseline_orders).

    The tests take their baseline by name rather than as ref(): a ref would
    make the baseline, a training model, a parent of every validation anomaly
    test, and dbt selects a test as soon as any of its parents is selected, so
    `dbt build --select tag:training` would also run the validation flavour's
    anomaly tests. The model under test declares the dependency instead
    (`-- depends_on: {{ ref('baseline_orders') }}`), which builds the baseline
    first. A relation (ref(...)) is accepted as well.
#}
{% macro baseline_relation(baseline) -%}
    {%- if baseline is not string -%}
        {{ return(baseline) }}
    {%- endif -%}
    {%- if not execute -%}
        {{ return(api.Relation.create(identifier=baseline)) }}
    {%- endif -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and node.package_name == project_name and node.name == baseline -%}
            {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias)) }}
        {%- endif -%}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("anomaly test: baseline '" ~ baseline ~ "' is not a model of this project") }}
{%- endmacro %}
