{#- What Elementary's monitors read of the validation_signups: the monitored rows. -#}
select * from {{ ref('monitored_validation_signups') }}
