{#
    Schema change as a warehouse sees it: each column of `raw_table` (a loaded
    raw table, e.g. source('shop', 'raw_orders_validation'), whose types the
    load inferred from its file) has the type family of the same column of
    `reference` (the typed training table). Families, not names, so that
    adapters spelling one type differently (varchar, text) agree: text,
    integer, number, date, timestamp, boolean. Returns one row per column that
    changed family, or is missing. It sits on the table's staging model.
#}
{% test column_types_match(model, raw_table, reference) %}

{%- set rows = [] -%}
{%- if execute -%}
    {%- set loaded = {} -%}
    {%- for name, dtype in relation_column_types(raw_table) -%}
        {%- do loaded.update({name | lower: type_family(dtype)}) -%}
    {%- endfor -%}
    {%- for name, dtype in relation_column_types(reference) -%}
        {%- set expected = type_family(dtype) -%}
        {%- set found = loaded.get(name | lower, 'missing') -%}
        {%- if found != expected -%}
            {%- do rows.append((name | lower, expected, found)) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif -%}

{%- if rows -%}
    {%- for name, expected, found in rows %}
select '{{ name }}' as column_name, '{{ expected }}' as expected_type, '{{ found }}' as loaded_type
{% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- else %}
select
    cast(null as {{ dbt.type_string() }}) as column_name,
    cast(null as {{ dbt.type_string() }}) as expected_type,
    cast(null as {{ dbt.type_string() }}) as loaded_type
where 1 = 0
{%- endif %}

{% endtest %}
