{#- What Elementary's monitors read of the validation_payments: the monitored rows, dated by their order (null when it cannot be found). -#}
select * from {{ ref('monitored_validation_payments') }}
