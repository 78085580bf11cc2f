{#
    Composite foreign key: every row of the model whose `columns` are all set
    finds a row of `to` with equal `to_columns` (same order).
    Example: a paid session's (ad_id, session_date) is an ad-day of stg_ads.
#}
{% test composite_relationships(model, columns, to, to_columns) %}

select
    {{ columns | join(',\n    ') }}

from {{ model }} as child
where
    {% for column in columns %}
    child.{{ column }} is not null and
    {% endfor %}
    not exists (
        select 1
        from {{ to }} as parent
        where
            {% for column in columns %}
            parent.{{ to_columns[loop.index0] }} = child.{{ column }}
            {%- if not loop.last %} and{% endif %}
            {% endfor %}
    )

{% endtest %}
