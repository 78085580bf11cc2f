{%- set platforms = ['google', 'facebook', 'instagram'] -%}

{% for utm_source in platforms -%}
{{ depends_on_seed('stg_' ~ utm_source ~ '_ads') }}
{% endfor %}

with

{% for utm_source in platforms %}
{{ utm_source }}_source as (

    select * from {{ source('marketing', 'stg_' ~ utm_source ~ '_ads') }}

),
{% endfor %}

unioned as (

    {% for utm_source in platforms %}
    select
        ad_id,
        '{{ utm_source }}' as utm_source,
        {{ adapter.quote('date') }} as ad_date,
        utm_medium,
        utm_campaign,
        cost,
        impressions,
        clicks

    from {{ utm_source }}_source
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

renamed as (

    select
        ad_id,
        utm_source,
        cast(ad_date as date) as ad_date,
        utm_medium,
        utm_campaign,
        cast(cost as decimal(12, 2)) as cost_amount,
        {{ dbt.safe_cast('impressions', api.Column.translate_type('integer')) }} as impressions,
        {{ dbt.safe_cast('clicks', api.Column.translate_type('integer')) }} as clicks

    from unioned

)

select * from renamed
