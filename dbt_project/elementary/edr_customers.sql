{#- What Elementary's monitors read of the training customers (macros/edr_views.sql). -#}
{{ edr_view_customers(ref('baseline_customers'), ref('stg_signups')) }}
