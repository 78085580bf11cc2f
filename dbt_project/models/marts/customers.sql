with

customers as (

    select * from {{ ref('stg_customers') }}

),

signups as (

    select * from {{ ref('stg_signups') }}

),

orders as (

    select * from {{ ref('orders') }}

),

conversions as (

    select * from {{ ref('customer_conversions') }}

),

sessions as (

    select * from {{ ref('sessions') }}
    where customer_id is not null

),

order_summary as (

    select
        customer_id,
        min(order_at) as first_order_at,
        max(order_at) as most_recent_order_at,
        count(*) as number_of_orders,
        cast(sum(amount_cents) as {{ dbt.type_bigint() }}) as lifetime_value_cents

    from orders
    group by customer_id

),

-- Acquisition: the channel of the session that converted the first order.
acquisition as (

    select
        customer_id,
        session_id as acquisition_session_id,
        site as acquisition_site,
        channel as acquisition_channel

    from conversions
    where is_first_order

),

-- The session in which the customer signed up: their latest session that
-- started at or before the signup.
signup_sessions as (

    select
        signups.customer_id,
        sessions.session_id,
        sessions.site,
        sessions.channel,
        row_number() over (
            partition by signups.customer_id
            order by sessions.started_at desc, sessions.session_id desc
        ) as recency_rank

    from signups
    inner join sessions
        on signups.customer_id = sessions.customer_id
        and sessions.started_at <= signups.signup_at

),

final as (

    select
        customers.customer_id,
        customers.first_name,
        customers.last_name,
        signups.email,
        signups.signup_at,
        signup_sessions.session_id as signup_session_id,
        signup_sessions.site as signup_site,
        signup_sessions.channel as signup_channel,
        order_summary.first_order_at,
        order_summary.most_recent_order_at,
        coalesce(order_summary.number_of_orders, 0) as number_of_orders,
        case
            when order_summary.number_of_orders > 1 then 'returning'
            when order_summary.number_of_orders = 1 then 'new'
            else 'prospect'
        end as customer_type,
        coalesce(order_summary.lifetime_value_cents, 0) as lifetime_value_cents,
        {{ cents_to_dollars('coalesce(order_summary.lifetime_value_cents, 0)') }} as lifetime_value,
        acquisition.acquisition_session_id,
        acquisition.acquisition_site,
        acquisition.acquisition_channel,
        {{ dbt.datediff('order_summary.most_recent_order_at', simulated_now(), 'day') }}
            as days_since_last_order

    from customers
    left join signups
        on customers.customer_id = signups.customer_id
    left join order_summary
        on customers.customer_id = order_summary.customer_id
    left join acquisition
        on customers.customer_id = acquisition.customer_id
    left join signup_sessions
        on customers.customer_id = signup_sessions.customer_id
        and signup_sessions.recency_rank = 1

)

select * from final
