{#
    Schemas: a custom schema is used verbatim (seeds land in exactly `raw`, not
    `<target>_raw`); everything else lands in the target schema. Both flavours'
    models share it: their names differ (stg_orders, stg_validation_orders, ...).
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is not none -%}
        {{ custom_schema_name | trim }}
    {%- else -%}
        {{ target.schema }}
    {%- endif -%}
{%- endmacro %}
