{#- What Elementary's monitors read of the training signups (macros/edr_views.sql). -#}
{{ edr_view_signups(ref('baseline_signups'), ref('stg_customers')) }}
