{#
    Schema contract of a raw shop table: every non-null value of each listed
    column of `raw_table` (a source, e.g. source('shop', 'raw_orders_validation'))
    converts to its contract type. The validation tables are loaded with the
    types inferred from their files, so a changed format (an integer id turned into 'ID-123') shows up here; the
    training tables are loaded typed and pass. A listed column missing from the
    table makes the test error.

    It sits on the staging model of the table (it runs after the model, so
    after the seed that fills the raw table); `model` itself is not read.
    column_types: {column: type} with types as in the seeds' column_types.
    Returns, per failing column, the number of bad values and an example.
#}
{% test raw_values_match_contract(model, raw_table, column_types) %}

{%- if column_types is not mapping or column_types | length == 0 -%}
    {{ exceptions.raise_compiler_error("raw_values_match_contract: column_types must be a non-empty mapping") }}
{%- endif -%}

{% for column, type in column_types.items() %}
select
    '{{ column }}' as column_name,
    '{{ type }}' as contract_type,
    count(*) as failing_values,
    min(cast({{ adapter.quote(column) }} as {{ dbt.type_string() }})) as example_value

from {{ raw_table }}
where {{ adapter.quote(column) }} is not null
    and {{ dbt.safe_cast(adapter.quote(column), api.Column.translate_type(type)) }} is null
having count(*) > 0
{% if not loop.last %}
union all
{% endif %}
{% endfor %}

{% endtest %}
