{{ depends_on_seed(flavoured_table('payments')) }}

with

source as (

    select * from {{ source('shop', flavoured_table('payments')) }}

),

renamed as (

    select
        {{ dbt.safe_cast('id', api.Column.translate_type('integer')) }} as payment_id,
        {{ dbt.safe_cast('order_id', api.Column.translate_type('integer')) }} as order_id,
        payment_method,
        {{ dbt.safe_cast('amount', api.Column.translate_type('integer')) }} as amount_cents

    from source

)

select
    *,
    {{ cents_to_dollars('amount_cents') }} as amount

from renamed
