{#
    load_seeds(): var('load_seeds') as a real boolean (the strings "false",
    "0", "no" from the command line count as false).
#}
{% macro load_seeds() -%}
    {{ return(var('load_seeds', true) | string | lower | trim not in ['false', '0', 'no', 'n', 'off']) }}
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
