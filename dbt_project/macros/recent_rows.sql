{#
    Row-level tests limited to the rows a day tick added.

    The simulator rebuilds the warehouse after every simulated day. A row-level
    test (not_null, accepted_values, a relationship, ...) on a row that an
    earlier day's build already tested, and that cannot have changed since,
    only repeats that day's verdict. Such tests carry the marker

        config:
          where: "__recent_rows__(started_at)"      (or "__recent_rows__(started_at, 48)")

    and then check only the rows dated after var('rows_tested_until') minus a
    lookback (hours, default 24: a session that starts before midnight may be
    published with the next day), plus the rows without a date (a null never
    escapes the test). With the var empty (the default: a first build, a build
    by hand) they check every row. The marker may be combined with other
    conditions ("platform = 'app' and __recent_rows__(started_at)").

    Only where that is correct:
      * the table is append-only and the tested columns of a row never change
        (sessions, ads, signups; an order's id, customer and time, not its
        status, which changes for weeks after the order);
      * the test judges each row on its own, or against tables that only grow
        (a relationship to customers, which are never deleted);
      * never a test across all rows (unique, unique_combination, row counts)
        and never the validation flavour, whose runs are not daily.

    The caller sets rows_tested_until to the simulated_now of the last build
    whose tests ran to completion on the same warehouse.

    A marker rather than a macro call: dbt renders a test's `where` when it
    parses the project and allows no project macros there. The marker becomes
    SQL when the test runs (default__get_where_subquery below), from that
    invocation's vars, so a parsed project stays valid whatever
    rows_tested_until is.
#}


{# The SQL condition a __recent_rows__(column, hours) marker stands for, from the current vars. #}
{% macro recent_rows_condition(column_name, lookback_hours=24) -%}
    {%- set value = var('rows_tested_until', '') -%}
    {%- set value = '' if value is none else (value | string | trim) -%}
    {%- if value == '' -%}
        1 = 1
    {%- else -%}
        {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2}:[0-9]{2})?$', value) -%}
            {{ exceptions.raise_compiler_error(
                "var('rows_tested_until') must look like 'YYYY-MM-DD HH:MM:SS', got '" ~ value ~ "'") }}
        {%- endif -%}
        ({{ column_name }} is null or {{ column_name }} >= {{ dbt.dateadd(
            'hour', 0 - (lookback_hours | int), "cast('" ~ value ~ "' as " ~ dbt.type_timestamp() ~ ")") }})
    {%- endif -%}
{%- endmacro %}


{#
    dbt's get_where_subquery (a test's `where` config) with the
    __recent_rows__ markers replaced; otherwise the same as dbt's own. A
    root-project macro comes first in dbt's dispatch, on every adapter.
#}
{% macro default__get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- set expanded = namespace(where=where) -%}
        {%- for marker in modules.re.finditer('__recent_rows__[(] *([A-Za-z_][A-Za-z0-9_]*) *(, *([0-9]+) *)?[)]', where) -%}
            {%- set expanded.where = expanded.where.replace(marker.group(0), jaffle_sim.recent_rows_condition(
                marker.group(1), marker.group(3) if marker.group(3) is not none else 24)) -%}
        {%- endfor -%}
        {%- if '__recent_rows__' in expanded.where -%}
            {{ exceptions.raise_compiler_error(
                "where: malformed marker, expected __recent_rows__(column) or __recent_rows__(column, hours): '"
                ~ where ~ "'") }}
        {%- endif -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ expanded.where }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}
