{{ depends_on_seed(flavoured_table('signups')) }}

with

source as (

    select * from {{ source('shop', flavoured_table('signups')) }}

),

renamed as (

    select
        {{ dbt.safe_cast('id', api.Column.translate_type('integer')) }} as signup_id,
        {{ dbt.safe_cast('user_id', api.Column.translate_type('integer')) }} as customer_id,
        user_email as email,
        hashed_password,
        {{ dbt.safe_cast('signup_date', dbt.type_timestamp()) }} as signup_at

    from source

)

select * from renamed
