{%- set methods = payment_methods() -%}

with

orders as (

    select * from {{ ref('stg_orders') }}

),

payments as (

    select * from {{ ref('stg_payments') }}

),

order_payments as (

    select
        order_id,
        {% for method in methods %}
        cast(sum(case when payment_method = '{{ method }}' then amount_cents else 0 end)
            as {{ dbt.type_bigint() }}) as {{ method }}_amount_cents,
        {% endfor %}
        cast(sum(amount_cents) as {{ dbt.type_bigint() }}) as amount_cents,
        count(*) as payment_count

    from payments
    group by order_id

),

joined as (

    select
        orders.order_id,
        orders.customer_id,
        orders.order_at,
        cast(orders.order_at as date) as order_date,
        orders.status,
        orders.status in ('returned', 'return_pending') as is_returned,
        row_number() over (
            partition by orders.customer_id
            order by orders.order_at, orders.order_id
        ) as customer_order_number,
        coalesce(order_payments.payment_count, 0) as payment_count,
        {% for method in methods %}
        coalesce(order_payments.{{ method }}_amount_cents, 0) as {{ method }}_amount_cents,
        {% endfor %}
        coalesce(order_payments.amount_cents, 0) as amount_cents

    from orders
    left join order_payments
        on orders.order_id = order_payments.order_id

),

final as (

    select
        order_id,
        customer_id,
        order_at,
        order_date,
        status,
        is_returned,
        customer_order_number,
        customer_order_number = 1 as is_first_order,
        payment_count,
        {% for method in methods %}
        {{ method }}_amount_cents,
        {{ cents_to_dollars(method ~ '_amount_cents') }} as {{ method }}_amount,
        {% endfor %}
        amount_cents,
        {{ cents_to_dollars('amount_cents') }} as amount,
        {{ dbt.datediff('order_at', simulated_now(), 'day') }} as order_age_days

    from joined

)

select * from final
