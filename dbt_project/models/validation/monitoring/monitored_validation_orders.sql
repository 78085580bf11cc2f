-- depends_on: {{ ref('baseline_orders') }}
{#-
    The validation flavour's orders, each dated by the time it was placed.
    Its anomaly tests read baseline_orders by name (see tests/generic/*_anomaly.sql),
    a dependency dbt cannot see: the line above declares it.
#}
{{ monitor_orders(ref('stg_validation_orders')) }}
