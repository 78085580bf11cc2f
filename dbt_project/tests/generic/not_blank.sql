{# A text column holds no empty or whitespace-only value (nulls are not_null's job). #}
{% test not_blank(model, column_name) %}

select {{ column_name }}
from {{ model }}
where trim({{ column_name }}) = ''

{% endtest %}
