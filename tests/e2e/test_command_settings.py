"""Commands that build their settings from their own parameters (`parse_settings(locals())`) say
which settings they take, and a parameter renamed away from its setting fails when the command
is defined."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import typer

from jaffle_sim.cli import app
from jaffle_sim.cli.app import SETTINGS_OPTIONS, builds_settings, parse_settings


def commands(group: typer.Typer) -> Iterator[Callable[..., Any]]:
    for info in group.registered_commands:
        assert info.callback is not None
        yield info.callback
    for sub in group.registered_groups:
        assert sub.typer_instance is not None
        yield from commands(sub.typer_instance)


def test_every_command_that_parses_settings_is_checked() -> None:
    building = [c for c in commands(app) if "parse_settings" in c.__code__.co_names]
    assert {c.__name__ for c in building} == {"generate", "run", "sweep_command"}
    for command in building:
        taken = getattr(command, "__settings__", None)
        assert taken is not None, f"{command.__name__} is not marked with builds_settings"
        params = set(inspect.signature(command).parameters)
        assert {"days", "seed", "end_date", "out"} <= set(taken) <= params, command.__name__


def test_a_renamed_parameter_fails_when_the_command_is_defined() -> None:
    def generate(days: int, seed: int, end: str | None, out: str, config: None, set_: None) -> None:
        parse_settings(locals())

    with pytest.raises(TypeError, match="generate builds settings but has no parameter 'end_date'"):
        builds_settings("scale", "overwrite", "max_days", "max_events", "compat")(generate)


def test_a_setting_left_out_must_be_a_setting_and_not_a_parameter() -> None:
    def sweep(days: int, seed: int, end_date: None, out: str, config: None, set_: None) -> None:
        """Takes days, seed, end date, out, config and --set only."""

    rest = [n for n in SETTINGS_OPTIONS if n not in ("days", "seed", "end_date", "out", "config")]
    assert builds_settings(*rest)(sweep) is sweep
    with pytest.raises(TypeError, match="an unknown setting 'scael' left out"):
        builds_settings(*rest, "scael")(sweep)
    with pytest.raises(TypeError, match="a parameter 'days' it leaves out"):
        builds_settings(*rest, "days")(sweep)


def test_the_settings_of_a_command_come_from_its_parameters(tmp_path: Any) -> None:
    settings = parse_settings(
        {
            "days": 3,
            "seed": 9,
            "end_date": "2026-03-15",
            "out": str(tmp_path / "o"),
            "config": None,
            "set_": ["journey.return_probability=0.4"],
            "scale": 0.5,
            "max_days": 5,
        }
    )
    assert (settings.seed, settings.calendar.days) == (9, 3)
    assert settings.calendar.end_date.isoformat() == "2026-03-15"
    assert settings.scenario.journey.return_probability == 0.4
