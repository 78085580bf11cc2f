{#- What Elementary's monitors read of the validation customers (macros/edr_views.sql). -#}
{{ edr_view_customers(ref('monitored_validation_customers'), ref('stg_validation_signups')) }}
