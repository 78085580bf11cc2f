{#
    Time identity: the timestamp in column_name lies between min_hours and
    max_hours (inclusive) before later_column. Rows where either is null pass.
    Example: a converting session starts 1-24 h before its order.
#}
{% test precedes_within_hours(model, column_name, later_column, min_hours, max_hours) %}

with

gaps as (

    select
        {{ column_name }} as earlier_at,
        {{ later_column }} as later_at,
        {{ hours_between(column_name, later_column) }} as hours_before

    from {{ model }}
    where {{ column_name }} is not null
        and {{ later_column }} is not null

)

select *
from gaps
where hours_before < {{ min_hours }}
    or hours_before > {{ max_hours }}

{% endtest %}
