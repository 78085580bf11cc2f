"""`jaffle-sim`: the command line.

  jaffle-sim generate {training|marketing|ads|all} [--days 60] [--seed 42] [--out DIR]
  jaffle-sim run [--days 8] ... [--no-dbt]
  jaffle-sim scenario show
Every failure is one line on stderr: exit status 2 for bad input (nothing is written), 1 for a
run that failed, 130/143 when interrupted (Ctrl-C, SIGTERM); `--debug` (or JAFFLE_SIM_DEBUG=1)
shows the traceback instead.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Sequence

from jaffle_sim.cli import experiments, inspection, simulate  # noqa: F401  (they register commands)
from jaffle_sim.cli.app import app
from jaffle_sim.settings import BadInput
from jaffle_sim.warehouse.dbt_invoker import DEBUG_ENV, debugging

__all__ = ["app", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Console-script entry: every failure is one line (see the module's docstring). Ctrl-C and
    SIGTERM stop the command as an interrupt; a run folder a command writes is locked for the
    whole command."""
    args = list(sys.argv[1:] if argv is None else argv)
    options = args[: args.index("--")] if "--" in args else args
    previous = os.environ.get(DEBUG_ENV)
    if "--debug" in options:  # a global option, accepted anywhere before `--`
        args = ["--debug", *(a for a in options if a != "--debug"), *args[len(options) :]]
        os.environ[DEBUG_ENV] = "1"  # for this command only: dbt's file log too
    try:
        return _command(args, debugging())
    finally:
        if previous is None:
            os.environ.pop(DEBUG_ENV, None)
        else:
            os.environ[DEBUG_ENV] = previous


def _command(args: list[str], debug: bool) -> int:
    """Run the command `args`; `debug`: let a failure's traceback through."""
    import logging

    from jaffle_sim import interrupts
    from jaffle_sim.output import lock

    # A log file that cannot be written (a full disk under dbt's logs/) is not worth a traceback
    # per line: the failure itself still ends the command, in one line.
    logging.raiseExceptions = debug
    with interrupts.handled(), lock.command_scope(shlex.join(["jaffle-sim", *args])):
        try:
            rv = app(args=args, standalone_mode=False, prog_name="jaffle-sim")
        except BaseException as exc:
            if debug:
                raise
            return _failure(exc)
        if interrupts.received() is not None or rv == 130:  # typer turns Ctrl-C into 130
            return _interrupted(None)
    return rv if isinstance(rv, int) else 0


def _failure(exc: BaseException) -> int:
    """The exit status for `exc`, after one line on stderr."""
    from jaffle_sim import interrupts
    from jaffle_sim.output import lock

    kinds = {cls.__name__ for cls in type(exc).__mro__}
    if interrupts.is_interrupt(exc) or "Abort" in kinds:
        return _interrupted(exc)
    if isinstance(exc, BadInput):
        return _fail(str(exc), 2)
    if "NoArgsIsHelpError" in kinds:
        from jaffle_sim.console import say

        say(exc.format_message())  # type: ignore[attr-defined]
        return 2
    if "ClickException" in kinds:  # typer's own parsing errors (its click is vendored)
        return _fail(exc.format_message(), getattr(exc, "exit_code", 2))  # type: ignore[attr-defined]
    if isinstance(exc, SystemExit):
        return exc.code if isinstance(exc.code, int) else 1
    if isinstance(exc, OSError):
        where = exc.filename or ", ".join(str(r) for r in lock.held_roots())
        return _fail(f"{where}: {exc.strerror or exc}" if where else str(exc), 1)
    if isinstance(exc, MemoryError):
        return _fail("out of memory", 1)
    if not isinstance(exc, Exception):
        raise exc
    if type(exc).__module__.startswith("jaffle_sim."):  # a failure this tool describes itself
        return _fail(str(exc), 1)
    return _fail(f"{type(exc).__name__}: {exc} (--debug shows the traceback)", 1)


def _interrupted(exc: BaseException | None) -> int:
    from jaffle_sim import interrupts
    from jaffle_sim.console import say

    status = interrupts.exit_status(exc) if exc is not None else interrupts.exit_status()
    say("interrupted" if status == 130 else "interrupted (SIGTERM)")
    return status


def _fail(message: str, status: int) -> int:
    """`error: message` as one line on stderr; returns `status`."""
    from jaffle_sim.console import say

    line = "; ".join(part.strip() for part in str(message).splitlines() if part.strip())
    say(f"error: {line if len(line) <= 2000 else line[:1997] + '...'}")
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
