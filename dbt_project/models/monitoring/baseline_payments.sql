{#- The training payments (dated by their order) in the shape the anomaly tests read: the anomaly baseline of both flavours, and the model of the training flavour's anomaly tests. -#}
{{ monitor_payments(ref('stg_payments'), ref('stg_orders')) }}
