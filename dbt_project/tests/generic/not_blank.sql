{#
    A text column holds no missing, empty or whitespace-only value. A null
    counts as blank: a CSV loader may turn a blank value into a null (dbt's
    seed loader does on PostgreSQL, where it reads the CSV with agate; DuckDB's
    COPY keeps the blanks), so this one test catches a blank value on every
    warehouse and the names need no separate not_null test.
#}
{% test not_blank(model, column_name) %}

select {{ column_name }}
from {{ model }}
where {{ column_name }} is null
    or trim({{ column_name }}) = ''

{% endtest %}
