{#- The training signups in the shape the anomaly tests read: the anomaly baseline of both flavours, and the model of the training flavour's anomaly tests. -#}
{{ monitor_signups(ref('stg_signups')) }}
