"""What a day of visits leaves behind: its sessions numbered in time order, the visitors' journeys
extended or closed (`journeys`, visitor id -> open journey), the converters signed up in time
order, and the day's session and click events."""

from __future__ import annotations

from typing import Any

import numpy as np
import simpy

from jaffle_sim.agents.journeys import Journey
from jaffle_sim.agents.sessions import SessionDesk
from jaffle_sim.agents.signups import SOURCES, SignUps
from jaffle_sim.events import CHANNELS, ORGANIC, EventLog

_CHANNEL_NAMES = np.array(CHANNELS, dtype=object)


def record_visits(
    env: simpy.Environment,
    rounds: list[dict[str, Any]],
    desk: SessionDesk,
    journeys: dict[int, Journey],
    signups: SignUps,
    log: EventLog,
) -> None:
    """The day's `rounds` of visits (each the columns of one round, `Visitors._visit`): number the
    sessions in time order, follow the journeys, sign converters up in time order, record."""
    if not rounds:
        return
    col = {k: np.concatenate([r[k] for r in rounds]) for k in rounds[0]}
    order = np.lexsort((col["visitor"], col["at"]))
    col = {k: v[order] for k, v in col.items()}
    n = len(order)
    session_id = np.full(n, None, dtype=object)
    for site, mask in (
        ("app", col["landed"] & col["is_app"]),
        ("website", col["landed"] & ~col["is_app"]),
    ):
        idx = np.flatnonzero(mask)
        session_id[idx] = np.array(desk.number(site, len(idx)), dtype=object)
    customer_id = np.full(n, None, dtype=object)

    # Journeys: extend open ones, close those that end today. A first touch that neither
    # signs up nor comes back has no journey to keep; every other touch is followed.
    followed = np.flatnonzero(
        (col["landed"] & (col["convert"] | col["back"])) | (col["number"] > 1)
    )
    converters = []
    rows = zip(
        followed.tolist(),
        col["visitor"][followed].tolist(),
        col["landed"][followed].tolist(),
        col["convert"][followed].tolist(),
        col["back"][followed].tolist(),
        col["start"][followed].tolist(),
        col["channel"][followed].tolist(),
        session_id[followed].tolist(),
        col["ad_id"][followed].tolist(),
    )
    for i, v, landed, convert, back, start, channel, sid, ad in rows:
        if not landed:
            journeys.pop(v, None)
            continue
        journey = journeys.get(v) or Journey(start)
        journey.add(sid, channel, ad)
        if convert:
            journeys.pop(v, None)
            converters.append((i, journey))
        elif back:
            journeys[v] = journey
        else:
            journeys.pop(v, None)
    if converters:
        signups.sign_up(env, converters, col, session_id, customer_id)

    landed_idx = np.flatnonzero(col["landed"])
    log.record_columns(
        "session",
        {
            "session_id": session_id[landed_idx].tolist(),
            "visitor_id": col["visitor"][landed_idx],
            "customer_id": customer_id[landed_idx].tolist(),
            "started_at": col["start"][landed_idx],
            "ended_at": col["end"][landed_idx],
            "site": np.where(col["is_app"][landed_idx], "app", "website").tolist(),
            "utm_source": SOURCES[col["channel"][landed_idx]].tolist(),
            "ad_id": col["ad_id"][landed_idx].tolist(),
            "touch": col["number"][landed_idx],
        },
    )
    paid_idx = np.flatnonzero(col["channel"] != CHANNELS.index(ORGANIC))
    log.record_columns(
        "click",
        {
            "clicked_at": col["start"][paid_idx],
            "ad_id": col["ad_id"][paid_idx].tolist(),
            "platform": _CHANNEL_NAMES[col["channel"][paid_idx]].tolist(),
            "visitor_id": col["visitor"][paid_idx],
            "session_id": session_id[paid_idx].tolist(),
            "touch": col["number"][paid_idx],
        },
    )
