{#
    Every row satisfies a boolean SQL expression (rows where it is null pass).
    It may sit on a model or on a column (the column is then only documentation).
    Used for row-level money and time identities, e.g.
    "amount_cents = credit_card_amount_cents + coupon_amount_cents + ...".
#}
{% test expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where not ({{ expression }})

{% endtest %}
