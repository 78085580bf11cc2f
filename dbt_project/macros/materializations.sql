{#
    Views and tables on DuckDB in one statement each: `create or replace`
    instead of dbt's create-under-a-temporary-name, two renames and a drop.
    DuckDB replaces the relation atomically inside the model's transaction;
    the renames and the drop took about 30% of the models' time in a profiled
    daily build. A relation of the other type under the same name is dropped
    first. The other warehouses keep dbt's own
    materializations.
#}
{% materialization view, adapter='duckdb' %}
  {{ return(jaffle_sim.replace_relation('view')) }}
{% endmaterialization %}

{% materialization table, adapter='duckdb' %}
  {{ return(jaffle_sim.replace_relation('table')) }}
{% endmaterialization %}

{% macro replace_relation(relation_type) %}
  {%- set existing = load_cached_relation(this) -%}
  {%- set target = this.incorporate(type=relation_type) -%}
  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}
  {% if existing is not none and existing.type != relation_type %}
    {{ drop_relation_if_exists(existing) }}
  {% endif %}
  {% call statement('main') -%}
    create or replace {{ relation_type }} {{ target }} as (
      {{ sql }}
    )
  {%- endcall %}
  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [target]}) }}
{% endmacro %}


{#
    A seed whose table exists is reloaded on DuckDB without reading the file
    in Python: dbt's seed materialization parses every CSV with agate (for the
    types of a new table and the row count) before DuckDB's COPY loads it, and
    a table that exists only needs truncate and COPY. A new table, a full
    refresh or a seed with `fast: false` goes through dbt's own materialization.
#}
{% materialization seed, adapter='duckdb' %}
  {%- set old_relation = adapter.get_relation(database=database, schema=schema, identifier=model['alias']) -%}
  {%- if old_relation is none or not old_relation.is_table or should_full_refresh()
        or not config.get('fast', true) -%}
    {{ return(dbt.materialization_seed_default()) }}
  {%- endif -%}
  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}
  {% do adapter.truncate_relation(old_relation) %}
  {%- set copy -%}
    copy {{ old_relation.render() }} from '{{ adapter.get_seed_file_path(model) }}'
    (format csv, header true, delimiter '{{ config.get('delimiter', ',') }}')
  {%- endset -%}
  {%- set loaded = run_query(copy) -%}
  {%- set rows = loaded.columns[0].values()[0] | int -%}
  {%- do store_result('agate_table', response='OK', agate_table=loaded) -%}
  {% call noop_statement('main', 'INSERT ' ~ rows, 'INSERT', rows) %}
    truncate table {{ old_relation.render() }};
    {{ copy }};
  {% endcall %}
  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [old_relation]}) }}
{% endmaterialization %}
