{# The combination of `columns` is unique (a composite key). #}
{% test unique_combination(model, columns) %}

select
    {{ columns | join(',\n    ') }},
    count(*) as row_count

from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
