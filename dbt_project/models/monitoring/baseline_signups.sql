{#-
    The training signups in the shape of monitored_signups: the baseline of
    the anomaly tests.
-#}
{{ depends_on_training_seed('raw_signups_training') }}

with

source as (

    select * from {{ source('shop', 'raw_signups_training') }}

),

renamed as (

    select
        cast(id as {{ api.Column.translate_type('integer') }}) as signup_id,
        cast(user_id as {{ api.Column.translate_type('integer') }}) as customer_id,
        user_email as email,
        hashed_password,
        cast(signup_date as {{ dbt.type_timestamp() }}) as signup_at

    from source

)

select
    *,
    signup_at as activity_at

from renamed
