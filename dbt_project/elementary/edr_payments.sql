{#- What Elementary's monitors (_elementary.yml) read of the training payments: the monitored rows, dated by their order (null when it cannot be found). -#}
select * from {{ ref('baseline_payments') }}
