{#- What Elementary's monitors read of the training orders (elementary/_elementary.yml): the monitored rows and the hour each order was placed. -#}
select
    *,
    extract(hour from order_at) as order_hour

from {{ ref('monitored_orders') }}
