-- depends_on: {{ ref('baseline_payments') }}
{#-
    The validation flavour's payments, each dated by the time of its order (a payment whose order
    cannot be found has no date and counts on no day).
    Its anomaly tests read baseline_payments by name (see tests/generic/*_anomaly.sql),
    a dependency dbt cannot see: the line above declares it.
#}
{{ monitor_payments(ref('stg_validation_payments'), ref('stg_validation_orders')) }}
