{#
    Money identity: for every row of the model, column_name equals the sum of
    `field` over the rows of `to` that share its key (0 when there are none).
    Example: an order's amount_cents equals the sum of its payments' cents.

    key:    key column in the model
    to_key: key column in `to` (defaults to key)
#}
{% test equals_sum_of(model, column_name, to, field, key, to_key=none) %}

with

expected as (

    select
        {{ to_key or key }} as key_value,
        sum({{ field }}) as expected_total

    from {{ to }}
    group by {{ to_key or key }}

),

actual as (

    select
        {{ key }} as key_value,
        {{ column_name }} as actual_total

    from {{ model }}

)

select
    actual.key_value,
    actual.actual_total,
    coalesce(expected.expected_total, 0) as expected_total

from actual
left join expected
    on actual.key_value = expected.key_value
where actual.actual_total is null
    or actual.actual_total <> coalesce(expected.expected_total, 0)

{% endtest %}
