{#
    Schemas:
      * a custom schema is used verbatim (seeds land in exactly `raw`, not `<target>_raw`);
      * models land in the target schema for a training build and in
        `<target schema>_validation` when var('validation') is true, so a build
        over the validation raw tables never replaces (or breaks) the training marts.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is not none -%}
        {{ custom_schema_name | trim }}
    {%- elif jaffle_sim.is_validation() -%}
        {{ target.schema }}_validation
    {%- else -%}
        {{ target.schema }}
    {%- endif -%}
{%- endmacro %}
