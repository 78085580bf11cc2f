{#- Signups of the active flavour, each dated by the time of the signup. -#}

with

signups as (

    select * from {{ ref('stg_signups') }}

)

select
    *,
    signup_at as activity_at

from signups
