{{ depends_on_seed('raw_attribution_truth') }}

with

source as (

    select * from {{ source('attribution', 'raw_attribution_truth') }}

),

renamed as (

    select
        {{ dbt.safe_cast('customer_id', api.Column.translate_type('integer')) }} as customer_id,
        {{ dbt.safe_cast('visitor_id', api.Column.translate_type('integer')) }} as visitor_id,
        {{ dbt.safe_cast('touch', api.Column.translate_type('integer')) }} as touch_number,
        session_id,
        utm_source,
        ad_id,
        {{ dbt.safe_cast('credit', type_double()) }} as credit,
        {{ dbt.safe_cast('converted_at', dbt.type_timestamp()) }} as converted_at

    from source

)

select * from renamed
