"""Shared fixtures: one small generated run reused by the invariant tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import simpy

from jaffle_sim.cli import main

END_DATE = dt.date(2026, 3, 15)


@pytest.fixture
def env() -> simpy.Environment:
    return simpy.Environment()


def generate(out: Path, *args: str, report: bool = False) -> int:
    """`jaffle-sim generate all` into `out` (without the report unless asked)."""
    extra = [] if report else ["--no-report"]
    command = ["generate", "all", "--out", str(out), "--end-date", END_DATE.isoformat()]
    return main([*command, "--quiet", *extra, *args])


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 21-day run of the default scenario (seed 7)."""
    out = tmp_path_factory.mktemp("run") / "out"
    assert generate(out, "--days", "21", "--seed", "7") == 0
    return out


class Tables:
    """The CSV seeds of a run folder as DataFrames."""

    def __init__(self, root: Path):
        self.root = root

    def __getattr__(self, name: str) -> pd.DataFrame:
        paths = {
            "customers": "seeds/training/raw_customers_training.csv",
            "orders": "seeds/training/raw_orders_training.csv",
            "payments": "seeds/training/raw_payments_training.csv",
            "signups": "seeds/training/raw_signups_training.csv",
            "website_sessions": "seeds/sessions/stg_website_sessions.csv",
            "app_sessions": "seeds/sessions/stg_app_sessions.csv",
            "google_ads": "seeds/ads/stg_google_ads.csv",
            "facebook_ads": "seeds/ads/stg_facebook_ads.csv",
            "instagram_ads": "seeds/ads/stg_instagram_ads.csv",
            "attribution_truth": "seeds/attribution/raw_attribution_truth.csv",
        }
        if name not in paths:
            raise AttributeError(name)
        frame = pd.read_csv(self.root / paths[name], keep_default_na=True)
        for col in ("order_date", "signup_date", "started_at", "ended_at", "converted_at"):
            if col in frame:
                frame[col] = pd.to_datetime(frame[col], format="%Y-%m-%d %H:%M:%S")
        if "date" in frame:
            frame["date"] = pd.to_datetime(frame["date"], format="%Y-%m-%d")
        return frame

    @property
    def sessions(self) -> pd.DataFrame:
        web, app = self.website_sessions, self.app_sessions
        return pd.concat([web.assign(site="website"), app.assign(site="app")], ignore_index=True)

    @property
    def ads(self) -> pd.DataFrame:
        return pd.concat(
            [
                self.google_ads.assign(source="google"),
                self.facebook_ads.assign(source="facebook"),
                self.instagram_ads.assign(source="instagram"),
            ],
            ignore_index=True,
        )

    def events(self, kind: str, flavour: str = "training") -> pd.DataFrame:
        folder = self.root / "events" / f"kind={kind}"
        return pd.read_parquet(folder, filters=[("flavour", "==", flavour)])


@pytest.fixture(scope="session")
def tables(run_dir: Path) -> Tables:
    return Tables(run_dir)
