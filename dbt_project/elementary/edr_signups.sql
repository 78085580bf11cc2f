{#- What Elementary's monitors read of the training signups: the monitored rows. -#}
select * from {{ ref('monitored_signups') }}
