-- depends_on: {{ ref('baseline_signups') }}
{#-
    The training flavour's signups, each dated by the time of the signup.
    Its anomaly tests read baseline_signups by name (see tests/generic/*_anomaly.sql),
    a dependency dbt cannot see: the line above declares it.
#}
{{ monitor_signups(ref('stg_signups')) }}
