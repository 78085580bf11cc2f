{#
    Time identity across two models: every row of the model (with a key and a
    timestamp) has at least one row of `to` with the same key whose timestamp
    lies min_hours to max_hours (inclusive) before it.
    Example: every order has a session of its customer that started 1-24 h
    before it (the session that converted it).

    column_name: timestamp in the model        key:    key column in the model
    to_column:   timestamp in `to`             to_key: key column in `to` (defaults to key)
#}
{% test has_prior_row_within_hours(model, column_name, to, to_column, key, min_hours, max_hours, to_key=none) %}

with

candidates as (

    select
        {{ key }} as key_value,
        {{ column_name }} as later_at

    from {{ model }}
    where {{ key }} is not null
        and {{ column_name }} is not null

),

earlier as (

    select
        {{ to_key or key }} as key_value,
        {{ to_column }} as earlier_at

    from {{ to }}
    where {{ to_key or key }} is not null
        and {{ to_column }} is not null

)

select
    candidates.key_value,
    candidates.later_at

from candidates
where not exists (
    select 1
    from earlier
    where earlier.key_value = candidates.key_value
        and earlier.earlier_at <= candidates.later_at
        and {{ hours_between('earlier.earlier_at', 'candidates.later_at') }}
            between {{ min_hours }} and {{ max_hours }}
)

{% endtest %}
