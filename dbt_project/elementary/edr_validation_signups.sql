{#- What Elementary's monitors read of the validation signups (macros/edr_views.sql). -#}
{{ edr_view_signups(ref('monitored_validation_signups'), ref('stg_validation_customers')) }}
