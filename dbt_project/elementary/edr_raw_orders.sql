{#- What Elementary's schema monitor reads of the training raw orders, as loaded (macros/edr_views.sql). -#}
{{ edr_view_raw(source('shop', 'raw_orders_training'), 'raw_orders_training') }}
