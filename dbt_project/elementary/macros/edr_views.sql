{#
    What Elementary's monitors (_elementary.yml) read of a flavour's monitored
    tables, written once for both flavours: each macro takes the flavour's
    monitored relation (and the staging relation it checks against) and adds
    the columns the monitors read. The edr_* models are thin wrappers:

        {{ edr_view_orders(ref('baseline_orders')) }}

    Payments need no column of their own: edr_payments selects the monitored
    rows as they are. edr_raw_orders and edr_validation_raw_orders are the raw
    orders as loaded (edr_view_raw), before staging converts their types. Staged into the project's macros/elementary with the
    models (jaffle_sim/warehouse/elementary.py).
#}

{#- The monitored orders, the hour each order was placed, how many other rows share its id and whether its status is one the shop uses (1 or 0; var order_statuses, set by the staged project). -#}
{% macro edr_view_orders(orders) -%}
select
    *,
    extract(hour from order_at) as order_hour,
    count(*) over (partition by order_id) - 1 as order_id_repeats,
    case
        when status in ('{{ var("order_statuses") | join("', '") }}') then 1
        else 0
    end as status_known

from {{ orders }}
{%- endmacro %}


{#- The monitored customers, whether the first name is the one the signup's email starts with (first.last<number>@...; null without an email), whether the customer has a signup (1 or 0), and a time for every customer: its signup's, or for one without a signup the latest signup of the customers before it (ids are given in signup order). -#}
{% macro edr_view_customers(customers, signups) -%}
with

customers as (

    select * from {{ customers }}

),

emails as (

    select
        customer_id,
        min(email) as email

    from {{ signups }}
    where customer_id is not null
    group by customer_id

)

select
    customers.*,
    case
        when emails.email is null then null
        when regexp_replace(lower(coalesce(customers.first_name, '')), '[^a-z0-9]', '', 'g')
            = split_part(lower(emails.email), '.', 1) then 1
        else 0
    end as first_name_matches_email,
    case when emails.customer_id is null then 0 else 1 end as signup_found,
    coalesce(
        customers.activity_at,
        max(customers.activity_at) over (
            order by customers.customer_id rows between unbounded preceding and current row
        )
    ) as dated_at

from customers
left join emails
    on emails.customer_id = customers.customer_id
{%- endmacro %}


{#- The monitored signups, how many other rows share its id, and whether its customer exists (1 or 0). -#}
{% macro edr_view_signups(signups, customers) -%}
with

signups as (

    select * from {{ signups }}

),

customers as (

    select distinct customer_id from {{ customers }}
    where customer_id is not null

)

select
    signups.*,
    count(*) over (partition by signups.signup_id) - 1 as signup_id_repeats,
    case when customers.customer_id is null then 0 else 1 end as customer_found

from signups
left join customers
    on customers.customer_id = signups.customer_id
{%- endmacro %}


{#- The raw table `raw` (source, loaded from the seed `seed`) as loaded, for a schema monitor: each column in one type per family of the type the load gave it (integers as bigint, timestamps as timestamp, text as varchar), so that loads spelling a family differently (dbt seed, Parquet with --load parquet, PostgreSQL's text) look the same. -#}
{% macro edr_view_raw(raw, seed) -%}
{{ jaffle_sim.depends_on_seed(seed) }}
{%- set columns = jaffle_sim.relation_column_types(raw) if execute else [] %}
select
{%- for name, dtype in columns %}
    {% set family = jaffle_sim.type_family(dtype) -%}
    {%- if family == 'integer' -%}
    cast({{ adapter.quote(name) }} as bigint) as {{ adapter.quote(name) }}
    {%- elif family == 'timestamp' -%}
    cast({{ adapter.quote(name) }} as {{ dbt.type_timestamp() }}) as {{ adapter.quote(name) }}
    {%- elif family == 'text' -%}
    cast({{ adapter.quote(name) }} as varchar) as {{ adapter.quote(name) }}
    {%- else -%}
    {{ adapter.quote(name) }}
    {%- endif -%}
    {{ "," if not loop.last }}
{%- else %}
    *
{%- endfor %}

from {{ raw }}
{%- endmacro %}
