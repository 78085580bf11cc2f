{#
    dbt.safe_cast(field, type): a cast that yields null instead of failing when
    a value does not convert. Staging converts the validation tables (loaded as
    text) with it, so a malformed value (an id like 'ID-123') becomes a null
    that the not_null tests report instead of aborting the model, and the raw
    contract test (raw_values_match_contract) counts the values it turns into
    nulls. dbt's default is a plain cast; these overrides of dbt's dispatch
    (root project macros come first) make it safe:

      DuckDB      try_cast, built in.
      PostgreSQL  no try_cast (pg_input_is_valid only exists from version 16):
                  a value that already has the type is cast as it is (the
                  typed training seeds: no per-row text check), any other
                  must have the canonical text form of the type (checked with
                  a regular expression, and ranges checked before the cast),
                  else null.

    The PostgreSQL check accepts, for
      integers     [+-]digits, within the type's range;
      numeric      [+-]digits[.digits][e[+-]digits] (decimal(p, s): within
                   its precision); float/double the same;
      timestamp    YYYY-MM-DD[( |T)HH:MM[:SS[.fraction]]], a real day and time
                   (24:00[:00] is the next midnight, as on DuckDB);
      date         the same (a time is dropped, as on DuckDB);
      boolean      true/false/t/f/yes/no/y/n/on/off/1/0;
    surrounding blanks allowed. Other types get a plain cast. DuckDB's try_cast
    is more lenient with integers ('1.0', '1e3', '0x1F' and '1_000' are
    integers there, '12.50' is 13); on the canonical values the simulator
    writes, and on malformed ones such as 'ID-123', both agree.

    dbt also uses safe_cast for unit-test fixture values, with the warehouse's
    own type names ('character varying', 'timestamp without time zone', ...).
#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}


{% macro postgres__safe_cast(field, type) -%}
    {%- set kind = (type | string | lower | trim) -%}
    {%- set checked = jaffle_sim.postgres_checked_cast(field, type) -%}
    {%- if checked == none or '(' in kind -%}
        {{ checked if checked != none else 'cast(' ~ field ~ ' as ' ~ type ~ ')' }}
    {%- else -%}
        {#- a value that already has the type (the typed training seeds) needs no check -#}
        case when pg_typeof({{ field }}) = cast('{{ kind }}' as regtype) then cast({{ field }} as {{ type }})
        else {{ checked }} end
    {%- endif -%}
{%- endmacro %}


{# The checked conversion of postgres__safe_cast, or none for a plain cast. #}
{% macro postgres_checked_cast(field, type) -%}
    {%- set kind = (type | string | lower | trim) -%}
    {%- set text = "trim(cast((" ~ field ~ ") as text))" -%}
    {%- set integer_ranges = {
        'smallint': ('-32768', '32767'), 'int2': ('-32768', '32767'),
        'integer': ('-2147483648', '2147483647'), 'int': ('-2147483648', '2147483647'),
        'int4': ('-2147483648', '2147483647'),
        'bigint': ('-9223372036854775808', '9223372036854775807'),
        'int8': ('-9223372036854775808', '9223372036854775807'),
    } -%}
    {%- set number_pattern = '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$' -%}
    {%- set decimal_match = modules.re.match('^(numeric|decimal) *[(] *([0-9]+) *(, *([0-9]+) *)?[)]$', kind) -%}
    {%- if kind in integer_ranges -%}
        {%- set low, high = integer_ranges[kind] -%}
        case when {{ text }} ~ '^[+-]?[0-9]+$' then
            case when cast({{ text }} as numeric) between {{ low }} and {{ high }}
                then cast({{ text }} as {{ type }}) end
        end
    {%- elif decimal_match -%}
        {%- set precision = decimal_match.group(2) | int -%}
        {%- set scale = (decimal_match.group(4) or 0) | int -%}
        case when {{ text }} ~ '{{ number_pattern }}' then
            case when abs(round(cast({{ text }} as numeric), {{ scale }})) < power(cast(10 as numeric), {{ precision - scale }})
                then cast({{ text }} as {{ type }}) end
        end
    {%- elif kind in ['numeric', 'decimal', 'real', 'float', 'float4', 'float8', 'double precision'] -%}
        case when {{ text }} ~ '{{ number_pattern }}' then cast({{ text }} as {{ type }}) end
    {%- elif kind in ['date', 'timestamp', 'timestamp without time zone'] -%}
        case when {{ text }} ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$' then
            case when {{ jaffle_sim.postgres_is_calendar_day(text) }}
                and (length({{ text }}) = 10
                    or (substr({{ text }}, 12, 2) <= '23' and substr({{ text }}, 15, 2) <= '59'
                        and (length({{ text }}) = 16 or substr({{ text }}, 18, 2) <= '59'))
                    or substr({{ text }}, 12) in ('24:00', '24:00:00'))
                then cast({{ text }} as {{ type }}) end
        end
    {%- elif kind in ['boolean', 'bool'] -%}
        case when lower({{ text }}) in ('true', 'false', 't', 'f', 'yes', 'no', 'y', 'n', 'on', 'off', '1', '0')
            then cast({{ text }} as {{ type }}) end
    {%- else -%}
        {{ return(none) }}
    {%- endif -%}
{%- endmacro %}


{#
    True when text starting with YYYY-MM-DD (already matched by the caller, in
    an enclosing case: PostgreSQL does not promise to evaluate `and` from left
    to right, but does evaluate a case's branches in order) names a real
    calendar day.
#}
{% macro postgres_is_calendar_day(text) -%}
    (case
        when substr({{ text }}, 6, 2) not between '01' and '12' then false
        when substr({{ text }}, 9, 2) < '01' then false
        else cast(substr({{ text }}, 9, 2) as integer) <= extract(day from
            make_date(cast(substr({{ text }}, 1, 4) as integer), cast(substr({{ text }}, 6, 2) as integer), 1)
            + interval '1 month' - interval '1 day')
    end)
{%- endmacro %}
