{#- What Elementary's monitors read of the training orders (macros/edr_views.sql). -#}
{{ edr_view_orders(ref('baseline_orders')) }}
