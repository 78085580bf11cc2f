{#
    Helpers that pick the raw table flavour for the staging models.

    is_validation(): var('validation') as a real boolean ("true"/"1"/"yes" strings
    from the command line count as true).
#}
{% macro is_validation() -%}
    {{ return(var('validation', false) | string | lower | trim in ['true', '1', 'yes', 'y', 'on']) }}
{%- endmacro %}


{#
    flavoured_table(entity): the raw table name for a shop entity in the active
    flavour, e.g. flavoured_table('orders') -> 'raw_orders_training'.
#}
{% macro flavoured_table(entity) -%}
    {{ return('raw_' ~ entity ~ '_' ~ ('validation' if jaffle_sim.is_validation() else 'training')) }}
{%- endmacro %}


{#
    depends_on_seed(table_name): when the raw tables are loaded as dbt seeds (the
    default), declare that the calling model depends on the seed of the same name.
    A source() alone has no edge to the seed that fills it, so `dbt build` could
    otherwise run a staging model before its seed is loaded. Emits nothing; with
    var('raw_external_location') set there are no seeds and no edge is added.
#}
{% macro depends_on_seed(table_name) -%}
    {%- if not var('raw_external_location', '') -%}
        {%- do ref(table_name) -%}
    {%- endif -%}
{%- endmacro %}


{#
    depends_on_training_seed(table_name): depends_on_seed for a training-run
    seed read by a model that also runs in validation runs (the anomaly
    baselines). A validation run does not load the training seeds: it reads the
    raw tables its training run loaded, so no edge is added there.
#}
{% macro depends_on_training_seed(table_name) -%}
    {%- if not jaffle_sim.is_validation() -%}
        {{ jaffle_sim.depends_on_seed(table_name) }}
    {%- endif -%}
{%- endmacro %}
