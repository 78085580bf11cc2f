{#
    A 64-bit floating point type. dbt.type_float() is `float`, which is only
    32 bits on DuckDB: attribution weights such as 0.4 would come out as
    0.4000000059604645.
#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'jaffle_sim')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro bigquery__type_double() -%}
    float64
{%- endmacro %}


{#
    An attribution weight as a double rounded to 10 decimals. Postgres has no
    round(double precision, int), hence the detour through numeric there.
#}
{% macro round_weight(expression) -%}
    {{ return(adapter.dispatch('round_weight', 'jaffle_sim')(expression)) }}
{%- endmacro %}

{% macro default__round_weight(expression) -%}
    cast(round(cast(({{ expression }}) as {{ type_double() }}), 10) as {{ type_double() }})
{%- endmacro %}

{% macro postgres__round_weight(expression) -%}
    cast(round(cast(({{ expression }}) as numeric), 10) as {{ type_double() }})
{%- endmacro %}


{# The family of a column type as an adapter spells it (varchar and text are both text), for
   comparing the columns of two tables across adapters (tests/generic/column_types_match.sql). #}
{% macro type_family(dtype) -%}
    {%- set t = dtype | lower -%}
    {%- if 'char' in t or 'text' in t or 'string' in t -%}{{ return('text') }}
    {%- elif 'timestamp' in t or 'datetime' in t -%}{{ return('timestamp') }}
    {%- elif 'date' in t -%}{{ return('date') }}
    {%- elif 'bool' in t -%}{{ return('boolean') }}
    {%- elif 'int' in t -%}{{ return('integer') }}
    {%- elif 'dec' in t or 'numeric' in t or 'double' in t or 'float' in t or 'real' in t -%}{{ return('number') }}
    {%- else -%}{{ return(t) }}
    {%- endif -%}
{%- endmacro %}


{# The (name, type) of each column of `relation`, as the warehouse reports them. DuckDB asks the
   query itself, which also covers a source read from Parquet files (--load parquet). #}
{% macro relation_column_types(relation) -%}
    {{ return(adapter.dispatch('relation_column_types', 'jaffle_sim')(relation)) }}
{%- endmacro %}

{% macro default__relation_column_types(relation) -%}
    {%- set out = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- do out.append((column.name, column.dtype)) -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}

{% macro duckdb__relation_column_types(relation) -%}
    {%- set described = run_query('describe select * from ' ~ relation) -%}
    {%- set out = [] -%}
    {%- for row in described.rows -%}
        {%- do out.append((row[0], row[1])) -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}
