{#
    Several tests of one model in one query: dbt spends more time on each
    test node than the warehouse spends on such a test, so one node per model
    instead of one per test makes the daily build much shorter.

    `checks` is a list of {test, name, ...}: `test` names a generic test
    (dbt's not_null, unique, accepted_values, relationships, or one of
    tests/generic), `name` the result it is reported as; `column` is the
    test's column (its column_name) where it has one, `where` restricts the
    model's rows as dbt's `where` config does (with the `__tests_since__`
    placeholder of macros/tests_since.sql), `description` is documentation;
    every other key is an argument of the test (e.g. `values` of
    accepted_values, `to` and `field` of relationships, `columns` of
    unique_combination). A check fails on exactly the rows its test would
    return as a node of its own: its SQL is the test's own macro.

    The test returns one row per failing check (check_name, failing_rows), so
    it fails when any check does. The runner reports every check as its own
    test under its `name` and, when this test fails, reads its rows to tell
    which checks failed (jaffle_sim/warehouse/dbt_runner.py).
#}
{% test column_checks(model, checks) %}

{#- the generic tests' macros are only there at run time, not when dbt parses -#}
{%- if not execute -%}
    {{ return("select '' as check_name, 0 as failing_rows") }}
{%- endif -%}
{%- set not_arguments = ['test', 'name', 'column', 'where', 'description'] -%}
{%- set queries = [] -%}
{%- for check in checks -%}
    {%- set test_macro = context.get('test_' ~ check['test']) -%}
    {%- if test_macro is none -%}
        {{ exceptions.raise_compiler_error(
            "column_checks: unknown test '" ~ check['test'] ~ "' in check " ~ check['name']) }}
    {%- endif -%}
    {%- if check.get('where') -%}
        {%- set where = check['where'] | replace('__tests_since__', tests_since()) -%}
        {%- set relation = '(select * from ' ~ model ~ ' where ' ~ where ~ ') checked' -%}
    {%- else -%}
        {%- set relation = model -%}
    {%- endif -%}
    {%- set arguments = {} -%}
    {%- for key, value in check.items() if key not in not_arguments -%}
        {%- do arguments.update({key: value}) -%}
    {%- endfor -%}
    {%- if check.get('column') -%}
        {%- do arguments.update({'column_name': check['column']}) -%}
    {%- endif -%}
    {%- do queries.append(
        "select '" ~ check['name'] ~ "' as check_name, count(*) as failing_rows from ("
        ~ test_macro(model=relation, **arguments) ~ ") failing") -%}
{%- endfor %}

select check_name, failing_rows
from (
    {{ queries | join('\n    union all\n    ') }}
) checks
where failing_rows > 0

{% endtest %}
