"""Ctrl-C and SIGTERM during a command: both stop the run the same way, as an exception that
cleanup code (the pipeline, dbt) sees as `KeyboardInterrupt`; which signal it was decides the exit
status (130 or 143). The signal is also remembered, because a library may turn the interrupt into
an error of its own (dbt returns it as a failed command)."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

EXIT_STATUS = {signal.SIGINT: 130, signal.SIGTERM: 143}


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: the run stops as on Ctrl-C."""


_received: int | None = None


def received() -> int | None:
    """The signal that interrupted the current command, if one did."""
    return _received


def is_interrupt(exc: BaseException) -> bool:
    """Whether `exc` ends a run because the user (or the system) stopped it."""
    return isinstance(exc, KeyboardInterrupt) or _received is not None


def exit_status(exc: BaseException | None = None) -> int:
    if _received is not None:
        return EXIT_STATUS.get(signal.Signals(_received), 130)
    return 143 if isinstance(exc, Terminated) else 130


def describe(exc: BaseException) -> str:
    """One line for the manifest's `error`."""
    if is_interrupt(exc):
        sig = signal.SIGTERM if exit_status(exc) == 143 else signal.SIGINT
        return f"interrupted by {sig.name}"
    return f"{type(exc).__name__}: {exc}"


def _on_signal(signum: int, frame: FrameType | None) -> None:
    global _received
    _received = signum
    if signum == signal.SIGTERM:
        raise Terminated()
    raise KeyboardInterrupt()


@contextlib.contextmanager
def handled() -> Iterator[None]:
    """While inside, SIGINT and SIGTERM raise (KeyboardInterrupt, Terminated) and are
    remembered (`received`); the previous handlers come back afterwards. Outside the main thread
    signals cannot be handled: only what is remembered is reset."""
    global _received
    _received = None
    previous = {}
    if threading.current_thread() is threading.main_thread():
        previous = {sig: signal.signal(sig, _on_signal) for sig in EXIT_STATUS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _received = None
