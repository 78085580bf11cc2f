{{ depends_on_seed('raw_customers_training') }}
{{ stage_customers(source('shop', 'raw_customers_training')) }}
