{#- What Elementary's monitors read of the validation orders (macros/edr_views.sql). -#}
{{ edr_view_orders(ref('monitored_validation_orders')) }}
