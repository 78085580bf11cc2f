{#
    Attribution identity: the weights of one conversion sum to 1 (within a
    tolerance for rounding), for every value of group_by.
#}
{% test weights_sum_to_one(model, column_name, group_by, tolerance=0.000001) %}

select
    {{ group_by }},
    sum({{ column_name }}) as total_weight

from {{ model }}
group by {{ group_by }}
having sum({{ column_name }}) is null
    or abs(sum({{ column_name }}) - 1) > {{ tolerance }}

{% endtest %}
