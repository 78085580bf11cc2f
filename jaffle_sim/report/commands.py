"""Command-line commands of the report package, added to the `jaffle-sim` app by `register`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this package's commands to `app`."""
