{#
    The shapes the anomaly tests read, written once for every use: each macro
    takes a flavour's staging relations and dates every row by `activity_at`.

      monitor_orders     orders by the time they were placed
      monitor_payments   payments by the time of their order (null when the
                         order cannot be found: the payment counts on no day)
      monitor_customers  customers by the time of their signup (null without one)
      monitor_signups    signups by themselves

    Used by baseline_* (training staging: the baseline both flavours are
    compared with, and the training flavour's anomaly tests' models) and
    monitored_validation_* (validation staging).
#}

{% macro monitor_orders(orders) -%}
with

orders as (

    select * from {{ orders }}

)

select
    *,
    order_at as activity_at

from orders
{%- endmacro %}


{% macro monitor_payments(payments, orders) -%}
with

payments as (

    select * from {{ payments }}

),

order_times as (

    select
        order_id,
        min(order_at) as order_at

    from {{ orders }}
    where order_id is not null
    group by order_id

)

select
    payments.*,
    order_times.order_at as activity_at

from payments
left join order_times
    on order_times.order_id = payments.order_id
{%- endmacro %}


{% macro monitor_customers(customers, signups) -%}
with

customers as (

    select * from {{ customers }}

),

signup_times as (

    select
        customer_id,
        min(signup_at) as signup_at

    from {{ signups }}
    where customer_id is not null
    group by customer_id

)

select
    customers.*,
    signup_times.signup_at as activity_at

from customers
left join signup_times
    on signup_times.customer_id = customers.customer_id
{%- endmacro %}


{% macro monitor_signups(signups) -%}
with

signups as (

    select * from {{ signups }}

)

select
    *,
    signup_at as activity_at

from signups
{%- endmacro %}
