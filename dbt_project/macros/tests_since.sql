{#-
  Row checks that only need the rows a day added. A test configured with
  `where: "<timestamp column> >= __tests_since__"` checks the rows from var
  `tests_since` on (the simulator passes the start of the day before the new
  one, so an order that arrives a day late is still checked) and every row
  when the var is empty (the first build of a run, and the validation flavour).
  The placeholder is replaced here, at execution, because the `where` config
  itself is rendered once at parse time and the parse is kept across days.
-#}
{% macro get_where_subquery(relation) -%}
  {%- set where = config.get('where', '') -%}
  {%- if where -%}
    {%- set where = where | replace('__tests_since__', tests_since()) -%}
    {%- set filtered -%}
      (select * from {{ relation }} where {{ where }}) dbt_subquery
    {%- endset -%}
    {%- do return(filtered) -%}
  {%- else -%}
    {%- do return(relation) -%}
  {%- endif -%}
{%- endmacro %}

{% macro tests_since() -%}
  {%- set since = var('tests_since', '') or '1900-01-01 00:00:00' -%}
  {{- return("cast('" ~ since ~ "' as timestamp)") -}}
{%- endmacro %}
