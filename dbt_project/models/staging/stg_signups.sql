{{ depends_on_seed('raw_signups_training') }}
{{ stage_signups(source('shop', 'raw_signups_training')) }}
