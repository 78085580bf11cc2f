"""One run per folder: an exclusive lock on the run folder for the whole of a command.

A command that writes into a run folder takes `fcntl.flock` on the folder's lock file
(`RunFolder.lock`) before it changes anything there and holds it to the end of the command; the
file says who holds it (pid and command). A second command on the same folder is refused and
touches nothing. The kernel drops the lock when its holder dies, so a lock file left behind by a
killed run holds nothing. Locks are kept per command scope: `command_scope()` (the command line
opens one per command) releases every lock taken inside it; without a scope a lock lasts until
`release_all()` or the end of the process.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import os
import shlex
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from jaffle_sim.output.run_folder import RunFolder


class FolderLocked(Exception):
    """Another process holds the run folder's lock; the message names the folder and the
    holder."""


class FolderNotWritable(Exception):
    """The run folder cannot be created or written; the message names it and the cause."""


@dataclass
class _Lock:
    root: Path
    path: Path
    fd: int
    created: list[Path]  # folders this lock made (deepest first), removed again when empty


@dataclass
class _Scope:
    description: str
    locks: list[_Lock] = field(default_factory=list)


_process_scope = _Scope(shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv else "")
_scopes: list[_Scope] = [_process_scope]


@contextlib.contextmanager
def command_scope(description: str) -> Iterator[None]:
    """Locks taken inside are released when the scope ends; `description` (the command) is
    written into each lock file."""
    scope = _Scope(description)
    _scopes.append(scope)
    try:
        yield
    finally:
        _scopes.remove(scope)
        for lock in reversed(scope.locks):
            _release(lock)


def held_roots() -> list[Path]:
    """The run folders this process holds locked."""
    return [lock.root for scope in _scopes for lock in scope.locks]


def hold(folder: RunFolder) -> bool:
    """Lock `folder` for the current scope (creating it if needed, and checking that it can be
    written). Returns False when this process holds it already. Raises FolderLocked naming the
    holder, or FolderNotWritable."""
    root = folder.root
    if root in held_roots():
        return False
    created = _make_folder(root)
    try:
        _probe(folder)
        fd = _acquire(folder)
    except BaseException:
        _remove_empty(created)
        raise
    scope = _scopes[-1]
    lock = _Lock(root, folder.lock, fd, created)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()}: {scope.description}\n".encode())
    except OSError as exc:
        _release(lock)
        raise FolderNotWritable(f"{root} is not writable: {exc.strerror}") from None
    scope.locks.append(lock)
    return True


def release(root: Path) -> None:
    """Release this process's lock on the run folder `root` (if it holds one)."""
    for scope in _scopes:
        for lock in list(scope.locks):
            if lock.root == root:
                scope.locks.remove(lock)
                _release(lock)


def release_all() -> None:
    for scope in _scopes:
        while scope.locks:
            _release(scope.locks.pop())


atexit.register(release_all)


def _make_folder(root: Path) -> list[Path]:
    missing = []
    for path in (root, *root.parents):
        if path.exists() or path.is_symlink():
            break
        missing.append(path)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _remove_empty(missing)
        raise FolderNotWritable(f"{root}: cannot create the folder: {exc.strerror}") from None
    return missing


def _probe(folder: RunFolder) -> None:
    """Create and remove a file in the folder: it can be written."""
    probe = folder.root / f".jaffle-sim-probe-{os.getpid()}"
    try:
        with open(probe, "xb") as fh:
            fh.write(b"x")
    except OSError as exc:
        raise FolderNotWritable(f"{folder.root} is not writable: {exc.strerror}") from None
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()


def _acquire(folder: RunFolder) -> int:
    path = folder.lock
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise FolderNotWritable(
                f"{folder.root}: cannot create {path.name}: {exc.strerror}"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _holder(fd)
            os.close(fd)
            raise FolderLocked(
                f"{folder.root} is in use by another run ({holder}); wait for it to finish or "
                "choose another --out"
            ) from None
        # The holder before us may have removed the file after we opened it: lock the file
        # that is there now.
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip()
    except OSError:
        text = ""
    return text.splitlines()[0] if text else "a process that has not said who it is"


def _release(lock: _Lock) -> None:
    with contextlib.suppress(OSError):
        lock.path.unlink()  # while still holding it: nobody locks a removed file for long
    with contextlib.suppress(OSError):
        os.close(lock.fd)
    _remove_empty(lock.created)


def _remove_empty(folders: list[Path]) -> None:
    for path in folders:
        with contextlib.suppress(OSError):
            path.rmdir()
