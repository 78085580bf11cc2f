{#- The validation flavour of stg_signups: the same staging SQL (macros/staging.sql) over the validation raw table. -#}
{{ depends_on_seed('raw_signups_validation') }}
{{ stage_signups(source('shop', 'raw_signups_validation')) }}
