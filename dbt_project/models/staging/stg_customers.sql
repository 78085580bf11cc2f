{{ depends_on_seed(flavoured_table('customers')) }}

with

source as (

    select * from {{ source('shop', flavoured_table('customers')) }}

),

renamed as (

    select
        {{ dbt.safe_cast('id', api.Column.translate_type('integer')) }} as customer_id,
        first_name,
        last_name

    from source

)

select * from renamed
