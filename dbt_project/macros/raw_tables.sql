{#
    load_seeds(): var('load_seeds'), a plain boolean (dbt_project.yml enables
    the seeds with the same var).
#}
{% macro load_seeds() -%}
    {%- set value = var('load_seeds', true) -%}
    {%- if value is not sameas true and value is not sameas false -%}
        {{ exceptions.raise_compiler_error("var('load_seeds') must be true or false, got '" ~ value ~ "'") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{#
    depends_on_seed(table_name): when the raw tables are loaded as dbt seeds (the
    default), declare that the calling model depends on the seed of the same name.
    A source() alone has no edge to the seed that fills it, so `dbt build` could
    otherwise run a staging model before its seed is loaded. Emits nothing; with
    var('load_seeds') false there are no seeds and no edge is added.
#}
{% macro depends_on_seed(table_name) -%}
    {%- if jaffle_sim.load_seeds() -%}
        {%- do ref(table_name) -%}
    {%- endif -%}
{%- endmacro %}
