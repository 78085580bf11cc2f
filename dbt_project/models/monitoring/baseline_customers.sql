{#- The training customers (dated by their signup) in the shape the anomaly tests read: the anomaly baseline of both flavours, and the model of the training flavour's anomaly tests. -#}
{{ monitor_customers(ref('stg_customers'), ref('stg_signups')) }}
