{#- Orders of the active flavour, each dated by the time it was placed. -#}

with

orders as (

    select * from {{ ref('stg_orders') }}

)

select
    *,
    order_at as activity_at

from orders
