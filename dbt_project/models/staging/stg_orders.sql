{{ depends_on_seed(flavoured_table('orders')) }}

with

source as (

    select * from {{ source('shop', flavoured_table('orders')) }}

),

renamed as (

    select
        {{ dbt.safe_cast('id', api.Column.translate_type('integer')) }} as order_id,
        {{ dbt.safe_cast('user_id', api.Column.translate_type('integer')) }} as customer_id,
        {{ dbt.safe_cast('order_date', dbt.type_timestamp()) }} as order_at,
        status

    from source

)

select * from renamed
