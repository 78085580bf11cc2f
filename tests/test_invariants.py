"""Invariants of the raw tables of a generated run (the data contract and the description)."""

import pandas as pd
import pytest

from tests.conftest import END_DATE


def once(sessions: pd.DataFrame) -> pd.DataFrame:
    """Session events without the second deliveries of the noise floor (`is_duplicate`)."""
    return sessions[~sessions.is_duplicate]


def test_keys_are_unique(tables):
    for frame, key in (
        (tables.customers, "id"),
        (tables.orders, "id"),
        (tables.payments, "id"),
        (tables.signups, "id"),
    ):
        assert frame[key].is_unique and frame[key].notna().all()
    assert not tables.ads.duplicated(["ad_id", "date"]).any()
    # the session feeds are delivered at least once (the noise floor): a session id repeats
    # only as the same row again
    sessions = tables.sessions
    once = sessions.drop_duplicates()
    assert once.session_id.is_unique and once.session_id.notna().all()
    assert 0 < len(sessions) - len(once) < 0.02 * len(once)


def test_foreign_keys_resolve(tables):
    customers = set(tables.customers.id)
    assert set(tables.orders.user_id) <= customers
    assert set(tables.signups.user_id) == customers  # one signup per customer
    assert tables.signups.user_id.is_unique
    assert set(tables.payments.order_id) == set(tables.orders.id)
    sessions = tables.sessions
    assert set(sessions.customer_id.dropna().astype(int)) <= customers


def test_sessions_come_from_running_ads_of_the_right_platform(tables):
    s, ads = tables.sessions, tables.ads
    paid = s[s.ad_id.notna()].assign(date=lambda d: d.started_at.dt.normalize())
    joined = paid.merge(ads[["ad_id", "date", "source"]], on=["ad_id", "date"], how="left")
    assert joined.source.notna().all(), "every ad session matches an ad row of its day"
    assert (joined.source == joined.utm_source).all()
    assert set(s[s.site == "website"].utm_source.dropna()) == {"google", "facebook"}
    assert set(s[s.site == "app"].utm_source.dropna()) == {"facebook", "instagram"}
    organic = s[s.utm_source.isna()]
    assert organic.ad_id.isna().all() and len(organic) > 0
    assert ((s.ended_at - s.started_at) >= pd.Timedelta(minutes=1)).all()
    assert ((s.ended_at - s.started_at) <= pd.Timedelta(minutes=45)).all()


def test_ads_rows_are_consistent(tables):
    ads = tables.ads
    assert (ads.clicks <= ads.impressions).all() and (ads.cost >= 0).all()
    for source, prefix in (("google", "g"), ("facebook", "f"), ("instagram", "i")):
        assert ads[ads.source == source].ad_id.str.startswith(prefix).all()
    # each ad keeps one medium and campaign, and runs on consecutive days
    per_ad = ads.groupby("ad_id").agg(
        media=("utm_medium", "nunique"),
        campaigns=("utm_campaign", "nunique"),
        first=("date", "min"),
        last=("date", "max"),
        n=("date", "size"),
    )
    assert (per_ad.media == 1).all() and (per_ad.campaigns == 1).all()
    assert ((per_ad["last"] - per_ad["first"]).dt.days + 1 == per_ad.n).all()
    # clicks in the table are the click events of the log
    clicks = tables.events("click")
    assert len(clicks) == ads.clicks.sum()
    sessions_from_clicks = clicks.session_id.notna().sum()
    assert sessions_from_clicks == tables.sessions.drop_duplicates().ad_id.notna().sum()


def test_every_order_follows_its_session_by_1_to_24_hours(tables):
    orders = tables.events("order_placed")
    sessions = tables.events("session")
    m = orders.merge(
        sessions[["session_id", "customer_id", "started_at"]],
        on="session_id",
        how="left",
        suffixes=("", "_session"),
    )
    assert m.started_at.notna().all()
    assert (m.customer_id == m.customer_id_session).all()
    gap = (m.ordered_at - m.started_at).dt.total_seconds() / 3600
    assert gap.between(1, 24).all()
    same_day = (m.ordered_at.dt.date == m.started_at.dt.date).mean()
    assert same_day == pytest.approx(0.70, abs=0.05)


def test_signup_before_first_order_and_statuses_by_age(tables):
    orders, signups = tables.orders, tables.signups
    first = orders.groupby("user_id").order_date.min()
    signed = signups.set_index("user_id").signup_date
    assert (signed.loc[first.index] < first).all()
    end = pd.Timestamp(END_DATE) + pd.Timedelta(days=1)
    age = (end - orders.order_date).dt.total_seconds() / 86400
    # young orders are still placed or shipped; old ones are completed or returned
    assert set(orders[age < 1 / 24].status) <= {"placed", "shipped"}
    assert set(orders[age > 15].status) <= {"completed", "returned", "return_pending"}
    assert (orders[age > 25].status.isin(["completed", "returned"])).all()
    assert set(orders.status) <= {"placed", "shipped", "completed", "return_pending", "returned"}


def test_payments_positive_and_sum_to_order_amount(tables):
    payments = tables.payments
    # positive, or 0 for a coupon covering the whole order (the noise floor)
    assert (
        (payments.amount > 0) | ((payments.amount == 0) & (payments.payment_method == "coupon"))
    ).all()
    assert (payments.amount == 0).any()
    assert payments.groupby("order_id").size().isin([1, 2]).all()
    placed = tables.events("order_placed").set_index("order_id").total_cents
    paid = payments.groupby("order_id").amount.sum()
    assert paid.equals(placed.loc[paid.index].rename("amount"))
    assert set(payments.payment_method) == {"credit_card", "bank_transfer", "coupon", "gift_card"}


def test_order_hours_peak_around_midday(tables):
    hours = tables.orders.order_date.dt.hour.value_counts()
    assert 11 <= hours.idxmax() <= 14
    assert hours.loc[12] > 3 * hours.loc[3]


def test_a_minority_of_customers_makes_most_orders(tables):
    per_customer = tables.orders.user_id.value_counts()
    top = per_customer.head(len(per_customer) // 5).sum()
    assert top / per_customer.sum() > 0.45


def test_journeys_are_ground_truth_of_acquisition(tables):
    journeys = tables.events("journey_converted")
    sessions = once(tables.events("session")).set_index("session_id")
    multi = journeys.session_ids.map(len) > 1
    assert 0.3 < multi.mean() < 0.95  # many conversions take several sessions
    for _, j in journeys.head(200).iterrows():
        path = sessions.loc[list(j.session_ids)]
        assert (path.visitor_id == j.visitor_id).all()
        assert path.started_at.is_monotonic_increasing
        assert path.customer_id.iloc[-1] == j.customer_id  # signed up in the last session
        assert path.customer_id.iloc[:-1].isna().all()  # anonymous before
    sources = sessions.loc[[s for ids in journeys.session_ids for s in ids]].utm_source
    assert sources.nunique(dropna=False) == 4  # google, facebook, instagram and organic


def test_most_sessions_do_not_convert_and_volume_grows(tables):
    assert len(tables.sessions) > 5 * len(tables.customers)
    orders = tables.orders
    per_day = orders.groupby(orders.order_date.dt.date).size()
    assert per_day.tail(7).mean() > per_day.head(7).mean()
    assert per_day.std() > 0


def test_sessions_know_their_place_in_the_journey(tables):
    sessions = once(tables.events("session"))
    customers_own = sessions[sessions.touch == 0]
    assert customers_own.customer_id.notna().all() and len(customers_own) > 0
    first = sessions[sessions.touch == 1]
    assert len(first) > len(sessions[sessions.touch > 1]) > 0
    clicks = tables.events("click").dropna(subset=["session_id"])
    touch = sessions.set_index("session_id").touch
    assert (clicks.touch.to_numpy() == touch.loc[clicks.session_id].to_numpy()).all()
