{#
    No event lies in the simulated future: column_name <= var('simulated_now').
    Passes trivially when the var is empty.
#}
{% test not_after_simulated_now(model, column_name) %}

select {{ column_name }}
from {{ model }}
where {{ column_name }} > {{ simulated_now() }}

{% endtest %}
