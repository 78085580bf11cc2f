{#
    Values that belong to another column: on each detection day, the share of
    rows whose column_name value appears among the baseline's values of
    reference_column (and, with exclude_own_values, never among the
    baseline's values of column_name itself) stays at most max_share. Catches
    first and last names swapped: last names arriving as first names.

    both_ways: also count a row whose reference_column value appears among the
      baseline's column_name values (and, with exclude_own_values, never among
      its reference_column values): a swap moves both names.
    min_matches: a day fails only with at least this many matching rows (a
      day of two customers, one of them called "Lee", is no anomaly).

    The known values come from every baseline row dated before simulated_now
    except those of the detection day itself (leave-one-out), including rows
    from before the first calendar day (the customers that existed before the
    run): they add known names without adding baseline days. A day is judged
    only with at least min_baseline_days baseline days (see
    macros/anomalies.sql for the calendar and the detection days).
#}
{% test reference_values_share(
    model,
    column_name,
    reference_column,
    timestamp_column,
    baseline,
    max_share=0.25,
    min_matches=3,
    exclude_own_values=true,
    both_ways=false,
    baseline_days=none,
    min_baseline_days=3,
    detection_days=none
) %}

{%- set baseline_relation = jaffle_sim.baseline_relation(baseline) -%}

{{ jaffle_sim.anomaly_check_number('max_share', max_share, 0) }}
{{ jaffle_sim.anomaly_check_number('min_matches', min_matches, 1) }}
{{ jaffle_sim.anomaly_check_number('min_baseline_days', min_baseline_days, 1) }}

{#- (value, the baseline column it must appear in, the one it must not) -#}
{%- set checks = [('tested_rows.own_value', 'other_value', 'own_value')] -%}
{%- if both_ways -%}
    {%- do checks.append(('tested_rows.other_value', 'own_value', 'other_value')) -%}
{%- endif -%}

with

{{ jaffle_sim.anomaly_calendar(detection_days, baseline_days) }}

known as (

    select
        cast({{ timestamp_column }} as date) as activity_date,
        {{ column_name }} as own_value,
        {{ reference_column }} as other_value

    from {{ baseline_relation }}
    cross join calendar_bounds
    where cast({{ timestamp_column }} as date) < calendar_bounds.today

),

tested_rows as (

    select
        detection_days.activity_date,
        source_rows.own_value,
        source_rows.other_value

    from detection_days
    inner join (
        select
            cast({{ timestamp_column }} as date) as activity_date,
            {{ column_name }} as own_value,
            {{ reference_column }} as other_value
        from {{ model }}
    ) as source_rows
        on source_rows.activity_date = detection_days.activity_date

),

flagged as (

    select
        activity_date,
        case
            {%- for value, other_side, own_side in checks %}
            when exists (
                select 1 from known
                where known.{{ other_side }} = {{ value }}
                    and known.activity_date <> tested_rows.activity_date
            )
            {%- if exclude_own_values %}
            and not exists (
                select 1 from known
                where known.{{ own_side }} = {{ value }}
                    and known.activity_date <> tested_rows.activity_date
            )
            {%- endif %}
            then 1
            {%- endfor %}
            else 0
        end as is_match

    from tested_rows

),

daily as (

    select
        activity_date,
        count(*) as row_count,
        sum(is_match) as matching_rows,
        avg(cast(is_match as {{ jaffle_sim.type_double() }})) as matching_share

    from flagged
    group by activity_date

),

baseline_day_counts as (

    select
        detection_days.activity_date,
        count(*) as baseline_day_count

    from detection_days
    inner join baseline_days
        on baseline_days.activity_date <> detection_days.activity_date
    group by detection_days.activity_date

)

select
    daily.activity_date,
    daily.row_count,
    daily.matching_rows,
    daily.matching_share,
    baseline_day_counts.baseline_day_count

from daily
inner join baseline_day_counts
    on baseline_day_counts.activity_date = daily.activity_date
where baseline_day_counts.baseline_day_count >= {{ min_baseline_days }}
    and daily.matching_rows >= {{ min_matches }}
    and daily.matching_share > {{ max_share }}

{% endtest %}
