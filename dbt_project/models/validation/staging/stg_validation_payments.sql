{#- The validation flavour of stg_payments: the same staging SQL (macros/staging.sql) over the validation raw table. -#}
{{ depends_on_seed('raw_payments_validation') }}
{{ stage_payments(source('shop', 'raw_payments_validation')) }}
