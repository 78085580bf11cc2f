"""Which of Elementary's monitors (``run --elementary``, dbt_project/elementary/_elementary.yml) can
see each kind of anomaly: the validation flavour's Elementary tests that measure what the kind
changes. An anomaly counts as caught by one of them only when the test flagged a day the anomaly
was planted on (see :mod:`jaffle_sim.validation.scoring`)."""

from __future__ import annotations

#: The prefix of the validation flavour's Elementary tests.
PREFIX = "elementary_validation_"

_BY_KIND: dict[str, tuple[str, ...]] = {
    "invalid_status": ("orders_status_known",),
    "hour_shift": ("orders_hour_average",),
    "zero_amounts": ("payments_amount_zeros", "payments_amount_average"),
    "amount_shift": ("payments_amount_average",),
    "method_mix_shift": ("payments_method_mix",),
    "blank_first_names": ("customers_first_name_missing", "customers_first_name_matches_email"),
    "names_swapped": ("customers_first_name_matches_email",),
    "shared_email": ("signups_email_length",),
    "duplicate_order_ids": ("orders_order_id_repeats", "orders_volume", "payments_volume"),
    "duplicate_signup_ids": ("signups_signup_id_repeats", "signups_volume"),
    "volume_spike": ("orders_volume", "payments_volume"),
    "orphan_signups": ("signups_customer_found", "signups_volume"),
    "volume_drop": ("orders_volume", "payments_volume"),
    "customers_without_signup": ("customers_signup_found", "signups_volume"),
    "freshness_gap": ("orders_freshness", "orders_volume", "payments_volume"),
    "schema_change": ("raw_orders_schema", "orders_order_id_nulls", "payments_volume"),
}

#: Kind -> the names of the Elementary tests that can catch it.
ELEMENTARY_TESTS: dict[str, tuple[str, ...]] = {
    kind: tuple(PREFIX + name for name in names) for kind, names in _BY_KIND.items()
}
