{# Integer cents -> dollars with two decimals. #}
{% macro cents_to_dollars(column_name) -%}
    cast(({{ column_name }}) / 100.0 as decimal(16, 2))
{%- endmacro %}


{# numerator / denominator, null when the denominator is null or zero. #}
{% macro safe_divide(numerator, denominator) -%}
    case
        when ({{ denominator }}) is null or ({{ denominator }}) = 0 then null
        else ({{ numerator }}) * 1.0 / ({{ denominator }})
    end
{%- endmacro %}
