{#- The training orders in the shape of monitored_orders: the anomaly baseline of both flavours. -#}
{{ monitor_orders(ref('stg_orders')) }}
