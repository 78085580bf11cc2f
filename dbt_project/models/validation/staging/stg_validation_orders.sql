{#- The validation flavour of stg_orders: the same staging SQL (macros/staging.sql) over the validation raw table. -#}
{{ depends_on_seed('raw_orders_validation') }}
{{ stage_orders(source('shop', 'raw_orders_validation')) }}
