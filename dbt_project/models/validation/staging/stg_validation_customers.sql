{#- The validation flavour of stg_customers: the same staging SQL (macros/staging.sql) over the validation raw table. -#}
{{ depends_on_seed('raw_customers_validation') }}
{{ stage_customers(source('shop', 'raw_customers_validation')) }}
