{{ depends_on_seed('raw_orders_training') }}
{{ stage_orders(source('shop', 'raw_orders_training')) }}
