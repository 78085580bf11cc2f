{#
    Marketing channel of a session: its utm_source, or 'organic' when it came
    without an ad. Orders with no session in the conversion window are
    'unattributed' (handled in the marts).
#}
{% macro session_channel(utm_source_column) -%}
    coalesce({{ utm_source_column }}, 'organic')
{%- endmacro %}

{% macro payment_methods() -%}
    {{ return(['credit_card', 'coupon', 'bank_transfer', 'gift_card']) }}
{%- endmacro %}
