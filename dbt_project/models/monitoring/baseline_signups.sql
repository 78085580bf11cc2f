{#- The training signups in the shape of monitored_signups: the anomaly baseline of both flavours. -#}
{{ monitor_signups(ref('stg_signups')) }}
