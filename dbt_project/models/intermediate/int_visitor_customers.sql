-- Identity stitching, step 1: a visitor (device/person) becomes a customer in
-- the session in which they sign up; every session of that visitor, also the
-- anonymous ones before the signup, belongs to that customer.

with

sessions as (

    select * from {{ ref('stg_sessions') }}

),

identified_visitors as (

    select
        visitor_id,
        min(customer_id) as customer_id,
        count(distinct customer_id) as customer_count,
        min(started_at) as first_identified_session_started_at

    from sessions
    where customer_id is not null
    group by visitor_id

)

select * from identified_visitors
