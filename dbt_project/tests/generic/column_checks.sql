{#
    Several row checks of one model in one query: dbt spends more time on each
    test node than the warehouse spends on such a check, so one node per model
    instead of one per check makes the daily build much shorter.

    `checks` is a list of {test, column, name}: accepted_values also takes
    `values` and optionally `quote` (as dbt's test does), relationships `to`
    and `field`, expression_is_true `expression`; a `description` is only
    documentation; any check may take a `where`, with the
    `__tests_since__` placeholder of macros/tests_since.sql. Each check fails
    on the rows the test of that name would return on its own:
      not_null                 the rows where the column is null;
      unique                   the non-null values held by more than one row;
      accepted_values          the distinct values not in the list (a null is
                               not one);
      relationships            the rows whose value is not null and not held
                               by `field` of any row of `to` (a relation,
                               e.g. "ref('customers')");
      not_blank, not_after_simulated_now, expression_is_true
                               the rows of the generic tests of those names
                               (tests/generic).
    The test returns one row per failing check (check_name, failing_rows), so
    it fails when any check does. The runner reports every check as its own
    test under its `name` and, when this test fails, reads its rows to tell
    which checks failed (jaffle_sim/warehouse/dbt_runner.py).
#}
{% test column_checks(model, checks) %}

{%- set queries = [] -%}
{%- for check in checks -%}
    {%- set column = check['column'] -%}
    {%- if check.get('where') -%}
        {%- set where = check['where'] | replace('__tests_since__', tests_since()) -%}
        {%- set relation = '(select * from ' ~ model ~ ' where ' ~ where ~ ')' -%}
    {%- else -%}
        {%- set relation = model -%}
    {%- endif -%}
    {%- if check['test'] == 'not_null' -%}
        {%- set failing -%}
            select 1 from {{ relation }} checked where {{ column }} is null
        {%- endset -%}
    {%- elif check['test'] == 'unique' -%}
        {%- set failing -%}
            select {{ column }} from {{ relation }} checked where {{ column }} is not null
            group by {{ column }} having count(*) > 1
        {%- endset -%}
    {%- elif check['test'] == 'relationships' -%}
        {%- set failing -%}
            select child.{{ column }} from {{ relation }} child
            left join {{ check['to'] }} parent on child.{{ column }} = parent.{{ check['field'] }}
            where child.{{ column }} is not null and parent.{{ check['field'] }} is null
        {%- endset -%}
    {%- elif check['test'] == 'not_blank' -%}
        {%- set failing -%}
            select 1 from {{ relation }} checked where {{ column }} is null or trim({{ column }}) = ''
        {%- endset -%}
    {%- elif check['test'] == 'not_after_simulated_now' -%}
        {%- set failing -%}
            select 1 from {{ relation }} checked where {{ column }} > {{ simulated_now() }}
        {%- endset -%}
    {%- elif check['test'] == 'expression_is_true' -%}
        {%- set failing -%}
            select 1 from {{ relation }} checked where not ({{ check['expression'] }})
        {%- endset -%}
    {%- elif check['test'] == 'accepted_values' -%}
        {%- set quote = check.get('quote', true) -%}
        {%- set values = [] -%}
        {%- for value in check['values'] -%}
            {%- do values.append("'" ~ value ~ "'" if quote else value | string) -%}
        {%- endfor -%}
        {%- set failing -%}
            select {{ column }} from {{ relation }} checked
            where {{ column }} not in ({{ values | join(', ') }})
            group by {{ column }}
        {%- endset -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "column_checks: unknown test '" ~ check['test'] ~ "' in check " ~ check['name']) }}
    {%- endif -%}
    {%- do queries.append(
        "select '" ~ check['name'] ~ "' as check_name, count(*) as failing_rows from ("
        ~ failing ~ ") failing") -%}
{%- endfor %}

select check_name, failing_rows
from (
    {{ queries | join('\n    union all\n    ') }}
) checks
where failing_rows > 0

{% endtest %}
