{#- The training payments in the shape of monitored_payments (dated by their order): the anomaly baseline of both flavours. -#}
{{ monitor_payments(ref('stg_payments'), ref('stg_orders')) }}
