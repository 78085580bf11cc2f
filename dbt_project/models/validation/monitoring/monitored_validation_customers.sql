-- depends_on: {{ ref('baseline_customers') }}
{#-
    The validation flavour's customers, each dated by the time of their signup (a customer
    without a signup has no date and counts on no day).
    Its anomaly tests read baseline_customers by name (see tests/generic/*_anomaly.sql),
    a dependency dbt cannot see: the line above declares it.
#}
{{ monitor_customers(ref('stg_validation_customers'), ref('stg_validation_signups')) }}
