{#- The training customers in the shape of monitored_customers (dated by their signup): the anomaly baseline of both flavours. -#}
{{ monitor_customers(ref('stg_customers'), ref('stg_signups')) }}
