{#- The training orders in the shape the anomaly tests read: the anomaly baseline of both flavours, and the model of the training flavour's anomaly tests. -#}
{{ monitor_orders(ref('stg_orders')) }}
