{#- What Elementary's monitors (_elementary.yml) read of the training orders: the monitored rows, the hour each order was placed and how many other rows share its id. -#}
select
    *,
    extract(hour from order_at) as order_hour,
    count(*) over (partition by order_id) - 1 as order_id_repeats

from {{ ref('monitored_orders') }}
