{#
    The shop's staging SQL, written once for both flavours: each takes the raw
    relation (the training or the validation source) and renames and converts
    its columns. The staging models are thin wrappers:

        {{ depends_on_seed('raw_orders_training') }}
        {{ stage_orders(source('shop', 'raw_orders_training')) }}

    Conversions use dbt.safe_cast (see macros/types.sql): the validation tables
    are loaded with the types inferred from their files, and a malformed value
    (an id like 'ID-123', which makes the column text) becomes a
    null that the not_null tests report instead of failing the model.
#}

{% macro stage_customers(raw) -%}
with

source as (

    select * from {{ raw }}

),

renamed as (

    select
        {{ dbt.safe_cast('id', api.Column.translate_type('integer')) }} as customer_id,
        first_name,
        last_name

    from source

)

select * from renamed
{%- endmacro %}


{% macro stage_orders(raw) -%}
with

source as (

    select * from {{ raw }}

),

renamed as (

    select
        {{ dbt.safe_cast('id', api.Column.translate_type('integer')) }} as order_id,
        {{ dbt.safe_cast('user_id', api.Column.translate_type('integer')) }} as customer_id,
        {{ dbt.safe_cast('order_date', dbt.type_timestamp()) }} as order_at,
        status

    from source

)

select * from renamed
{%- endmacro %}


{% macro stage_payments(raw) -%}
with

source as (

    select * from {{ raw }}

),

renamed as (

    select
        {{ dbt.safe_cast('id', api.Column.translate_type('integer')) }} as payment_id,
        {{ dbt.safe_cast('order_id', api.Column.translate_type('integer')) }} as order_id,
        payment_method,
        {{ dbt.safe_cast('amount', api.Column.translate_type('integer')) }} as amount_cents

    from source

)

select
    *,
    {{ cents_to_dollars('amount_cents') }} as amount

from renamed
{%- endmacro %}


{% macro stage_signups(raw) -%}
with

source as (

    select * from {{ raw }}

),

renamed as (

    select
        {{ dbt.safe_cast('id', api.Column.translate_type('integer')) }} as signup_id,
        {{ dbt.safe_cast('user_id', api.Column.translate_type('integer')) }} as customer_id,
        user_email as email,
        hashed_password,
        {{ dbt.safe_cast('signup_date', dbt.type_timestamp()) }} as signup_at

    from source

)

select * from renamed
{%- endmacro %}


{#
    One row per `partition_by` key of the CTE or relation `relation`, with its
    `columns`: the first row by `order_by` (a feed delivered at least once
    repeats rows). row_number() in a subquery rather than QUALIFY, which
    PostgreSQL lacks.
#}
{% macro keep_first_row(relation, columns, partition_by, order_by) -%}
    select
        {{ columns | join(',\n        ') }}

    from (

        select
            *,
            row_number() over (partition by {{ partition_by }} order by {{ order_by }})
                as delivery_number

        from {{ relation }}

    ) as numbered
    where delivery_number = 1
{%- endmacro %}
