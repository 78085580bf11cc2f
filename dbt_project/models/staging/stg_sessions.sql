{{ depends_on_seed('stg_website_sessions') }}
{{ depends_on_seed('stg_app_sessions') }}

{#-
    The session feeds are delivered at least once: a session can arrive twice
    (the same row again). Staging keeps one row per session_id, so every model
    downstream sees each session once.
#}

with

website_source as (

    select * from {{ source('marketing', 'stg_website_sessions') }}

),

app_source as (

    select * from {{ source('marketing', 'stg_app_sessions') }}

),

unioned as (

    {% for site, relation in [('website', 'website_source'), ('app', 'app_source')] %}
    select
        session_id,
        '{{ site }}' as site,
        visitor_id,
        customer_id,
        started_at,
        ended_at,
        utm_source,
        ad_id

    from {{ relation }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

renamed as (

    select
        session_id,
        site,
        {{ dbt.safe_cast('visitor_id', api.Column.translate_type('integer')) }} as visitor_id,
        {{ dbt.safe_cast('customer_id', api.Column.translate_type('integer')) }} as customer_id,
        {{ dbt.safe_cast('started_at', dbt.type_timestamp()) }} as started_at,
        {{ dbt.safe_cast('ended_at', dbt.type_timestamp()) }} as ended_at,
        utm_source,
        ad_id

    from unioned

),

deduplicated as (

    {{ keep_first_row(
        'renamed',
        columns=['session_id', 'site', 'visitor_id', 'customer_id', 'started_at',
                 'ended_at', 'utm_source', 'ad_id'],
        partition_by='session_id',
        order_by='started_at, ended_at'
    ) }}

)

select * from deduplicated
