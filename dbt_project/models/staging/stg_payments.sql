{{ depends_on_seed('raw_payments_training') }}
{{ stage_payments(source('shop', 'raw_payments_training')) }}
