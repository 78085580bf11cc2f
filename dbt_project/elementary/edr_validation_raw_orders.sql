{#- What Elementary's schema monitor reads of the validation raw orders, as loaded with the types inferred from its file (macros/edr_views.sql). -#}
{{ edr_view_raw(source('shop', 'raw_orders_validation'), 'raw_orders_validation') }}
