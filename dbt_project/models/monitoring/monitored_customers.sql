{#-
    Customers of the active flavour, each dated by the time of their signup.
    A customer without a signup has no date and counts on no day.
-#}

with

customers as (

    select * from {{ ref('stg_customers') }}

),

signup_times as (

    select
        customer_id,
        min(signup_at) as signup_at

    from {{ ref('stg_signups') }}
    where customer_id is not null
    group by customer_id

)

select
    customers.*,
    signup_times.signup_at as activity_at

from customers
left join signup_times
    on signup_times.customer_id = customers.customer_id
