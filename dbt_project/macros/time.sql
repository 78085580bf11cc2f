{#
    simulated_now(): var('simulated_now') as a timestamp literal, or a typed null
    when the var is empty. The warehouse never reads the wall clock: "now" is the
    simulation's clock, passed in by the simulator at every day tick.
#}
{% macro simulated_now() -%}
    {%- set value = var('simulated_now', '') -%}
    {%- set value = '' if value is none else (value | string | trim) -%}
    {%- if value == '' -%}
        cast(null as {{ dbt.type_timestamp() }})
    {%- else -%}
        {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2}:[0-9]{2})?$', value) -%}
            {{ exceptions.raise_compiler_error(
                "var('simulated_now') must look like 'YYYY-MM-DD HH:MM:SS', got '" ~ value ~ "'") }}
        {%- endif -%}
        cast('{{ value }}' as {{ dbt.type_timestamp() }})
    {%- endif -%}
{%- endmacro %}


{#
    Elapsed time between two timestamps, in hours (decimal) and whole calendar days.
#}
{% macro hours_between(start_column, end_column) -%}
    ({{ dbt.datediff(start_column, end_column, 'second') }} / 3600.0)
{%- endmacro %}

{% macro calendar_days_between(start_column, end_column) -%}
    {{ dbt.datediff(
        'cast(' ~ start_column ~ ' as date)',
        'cast(' ~ end_column ~ ' as date)',
        'day') }}
{%- endmacro %}


{#
    conversion_window_days(): var('conversion_window_days') validated as a
    positive integer.
#}
{% macro conversion_window_days() -%}
    {%- set days = var('conversion_window_days', 1) | int -%}
    {%- if days < 1 -%}
        {{ exceptions.raise_compiler_error(
            "var('conversion_window_days') must be a positive integer, got '"
            ~ var('conversion_window_days') ~ "'") }}
    {%- endif -%}
    {{ return(days) }}
{%- endmacro %}
