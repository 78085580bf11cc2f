"""The default scenario: every behaviour parameter of the shop with its documented value
(printed by `jaffle-sim scenario show`)."""

from __future__ import annotations

from jaffle_sim.agents.ads import PlatformBehaviour
from jaffle_sim.agents.customers import CustomerBehaviour
from jaffle_sim.agents.effects import ChannelEffect
from jaffle_sim.agents.journeys import JourneyBehaviour
from jaffle_sim.agents.order_timing import OrderTiming
from jaffle_sim.agents.quality import DataQuality
from jaffle_sim.agents.sessions import TrafficBehaviour
from jaffle_sim.agents.shop import ShopBehaviour
from jaffle_sim.distributions import Beta, Gamma, LogNormal, Uniform
from jaffle_sim.mixes import HourProfile, Mix
from jaffle_sim.simulation.scenario import Demand, Scenario

# Relative weight of each hour (0-23 UTC). Two profiles, two roles:
# - VISIT_HOURS is `traffic.visit_hours`, an input: the start times of arriving visitors' first
#   touches and of the sessions customers open when a need arises (returning visitors come back
#   after `journey.return_delay_hours`, at any hour).
# - ORDER_HOURS is `journey.order_timing.order_hours`, an outcome: the clock hours at which orders
#   are placed. Each order falls 1-24 h after its session; the model calibrates its draw within
#   that window so that orders of sessions following the visit profile land on this profile.
# Orders peak at lunch (the original jaffle shop profile); visits come earlier in the day, so that
# most orders follow their session on the same day.
ORDER_HOURS = (1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 8, 7, 6, 5, 4, 3, 2, 2, 1, 1, 1)
VISIT_HOURS = (1, 1, 1, 1, 1, 2, 4, 6, 8, 9, 9, 8, 7, 6, 5, 5, 5, 5, 5, 5, 4, 3, 2, 1)
CAMPAIGNS = Mix(
    {
        "spring_sale": 0.2,
        "holiday_deals": 0.15,
        "retargeting": 0.2,
        "brand_awareness": 0.2,
        "flash_sale": 0.1,
        "new_menu": 0.15,
    }
)


def _platform(
    ctr: Uniform, cpm_median_cents: float, app_share: float, media: dict[str, float]
) -> PlatformBehaviour:
    """A default platform: about 78 ads running at a time (1.75 launches a day, 30-60 days each)
    with budgets of a few dollars a day; platforms differ in CTR, price, app share and media."""
    return PlatformBehaviour(
        launches_per_day=1.75,
        duration_days=Uniform(30, 60),
        daily_budget_cents=LogNormal(median=300, sigma=0.6, low=50, high=5_000),
        ctr=ctr,
        cpm_cents=LogNormal(median=cpm_median_cents, sigma=0.3),
        app_share=app_share,
        campaigns=CAMPAIGNS,
        media=Mix(media),
    )


def _effect(lift: tuple[float, float], back: tuple[float, float]) -> ChannelEffect:
    """A channel's effect: (first, later) multipliers of sign-up and of coming back."""
    return ChannelEffect(
        lift_first=lift[0], lift_later=lift[1], return_first=back[0], return_later=back[1]
    )


def default_scenario() -> Scenario:
    """The documented default: a 60-day run lands near 2,000 customers, 15,000 orders and
    14,000 ad rows (the volumes of the original description)."""
    return Scenario(
        demand=Demand(
            growth_per_30_days=0.06,
            weekly=(0.95, 0.93, 0.96, 1.0, 1.06, 1.1, 1.0),
            daily_noise_sigma=0.07,
        ),
        traffic=TrafficBehaviour(
            organic_visitors_per_day=250,
            visit_hours=HourProfile(VISIT_HOURS),
            landing_share=0.9,
            organic_app_share=0.55,
            session_minutes=LogNormal(median=6, sigma=0.75, low=1, high=45),
        ),
        journey=JourneyBehaviour(
            first_visit_conversion=0.0045,
            return_visit_conversion=0.03,
            return_probability=0.3,
            return_delay_hours=LogNormal(median=20, sigma=1.0, low=2, high=240),
            return_channels=Mix(
                {"organic": 0.4, "google": 0.25, "facebook": 0.2, "instagram": 0.15}
            ),
            max_sessions=6,
            order_timing=OrderTiming(same_day_share=0.7, order_hours=HourProfile(ORDER_HOURS)),
            # Multipliers of the base rates above (agents/effects.py): sign-up in a first touch
            # and in a return (lift_*), coming back after a first touch and after a return
            # (return_*). Social ads open journeys (few sign-ups, many returns), search closes
            # them; averaged over the default traffic the rates stay near the base rates.
            channel_effects={
                "organic": _effect(lift=(1.8, 0.8), back=(0.75, 0.9)),
                "google": _effect(lift=(2.6, 1.8), back=(0.5, 0.7)),
                "facebook": _effect(lift=(0.5, 0.55), back=(1.2, 1.4)),
                "instagram": _effect(lift=(0.45, 0.45), back=(1.1, 1.3)),
            },
            return_without_ad=0.5,
        ),
        ads={
            "google": _platform(
                ctr=Uniform(0.02, 0.08),
                cpm_median_cents=9_000,
                app_share=0.0,
                media={"paid_search": 0.5, "shopping": 0.2, "display": 0.15, "video": 0.15},
            ),
            "facebook": _platform(
                ctr=Uniform(0.01, 0.05),
                cpm_median_cents=2_500,
                app_share=0.5,
                media={"social": 0.6, "cpc": 0.15, "display": 0.1, "video": 0.15},
            ),
            "instagram": _platform(
                ctr=Uniform(0.01, 0.04),
                cpm_median_cents=2_000,
                app_share=1.0,
                media={"social": 0.6, "video": 0.3, "display": 0.1},
            ),
        },
        customers=CustomerBehaviour(
            existing_customers=1_000,
            existing_history_days=365,
            purchase_rate_per_day=Gamma(mean_value=0.22, shape=0.9),
            churn_after_order=Beta(mean_value=0.04, concentration=20),
            repeat_channels=Mix(
                {"organic": 0.72, "google": 0.1, "facebook": 0.1, "instagram": 0.08}
            ),
            no_first_order_share=0.05,
        ),
        shop=ShopBehaviour(
            order_amount_cents=LogNormal(median=1_800, sigma=0.45, low=300, high=12_000),
            second_payment_share=0.15,
            payment_methods=Mix(
                {"credit_card": 0.49, "bank_transfer": 0.29, "coupon": 0.12, "gift_card": 0.10}
            ),
            ship_hours=LogNormal(median=20, sigma=0.6, low=1, high=96),
            deliver_hours=LogNormal(median=48, sigma=0.5, low=4, high=168),
            return_share=0.06,
            return_request_days=Uniform(1, 10),
            return_processing_days=Uniform(1, 6),
        ),
        # The noise floor, in both flavours (shares per sign-up, order or session; 0 turns one
        # off): about 1 sign-up in 100 without an email and 1 in 200 with a blank first name,
        # 1 order in 200 covered in full by a coupon (a payment of 0), 1 order in 100 arriving
        # with the next day's file (0-6 h after midnight) and 1 session in 200 delivered twice.
        # The bundled dbt project deduplicates sessions in staging and judges the other rates
        # against the training baseline (dbt_project/README.md, "Anomaly detection").
        quality=DataQuality(
            missing_email_share=0.01,
            blank_first_name_share=0.005,
            zero_amount_order_share=0.005,
            late_order_share=0.01,
            late_arrival_hours=Uniform(0, 6),
            duplicate_session_share=0.005,
        ),
    )
