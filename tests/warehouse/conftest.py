"""A real PostgreSQL server for the warehouse tests: Debian's `postgresql` package (`initdb`,
`pg_ctl`) started once per test session on a free port of 127.0.0.1, in a temporary folder, with
password authentication for a test role.

PostgreSQL refuses to run as root, and CI runs as root: the server then runs as the unprivileged
system user `jaffle_pg` (created when missing) through `runuser`. Without the server binaries the
tests that need the server fail with a message saying how to install them: they are never
skipped.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_USER = "jaffle_pg"  # the operating-system user the server runs as when the tests run as root
ROLE = "jaffle_test"  # the database role the tests connect as, with a password
INSTALL_HINT = "apt-get install -y postgresql (Debian's server package provides initdb and pg_ctl)"


def server_binaries() -> Path:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb and pg_ctl (or the folder
    in JAFFLE_SIM_PG_BIN)."""
    override = os.environ.get("JAFFLE_SIM_PG_BIN")
    candidates = (
        [Path(override)]
        if override
        else sorted(
            Path("/usr/lib/postgresql").glob("*/bin"),
            key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
            reverse=True,
        )
    )
    for folder in candidates:
        if all((folder / name).is_file() for name in ("initdb", "pg_ctl", "psql")):
            return folder
    looked = override or "/usr/lib/postgresql/*/bin"
    pytest.fail(
        f"the PostgreSQL server binaries (initdb, pg_ctl, psql) were not found in {looked}: "
        f"{INSTALL_HINT}",
        pytrace=False,
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class PostgresServer:
    """A running server: where it listens and how the test role logs in."""

    host: str
    port: int
    user: str
    password: str
    bin: Path
    socket_dir: Path
    as_user: tuple[str, ...]  # the command prefix that runs a server tool as its owner

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run `sql` as the server's superuser over the local socket; returns the output."""
        out = subprocess.run(
            [
                *self.as_user,
                str(self.bin / "psql"),
                "-X",
                "-q",
                "-At",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                str(self.socket_dir),
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                database,
                "-c",
                sql,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            raise RuntimeError(f"psql failed: {out.stderr.strip()}")
        return out.stdout

    def new_database(self, name: str) -> str:
        """A fresh database owned by the test role (the bundled project's seeds always land in
        schema `raw`, so every run gets its own database)."""
        self.psql(f'drop database if exists "{name}"')
        self.psql(f'create database "{name}" owner {ROLE}')
        return name

    def write_profiles(
        self,
        folder: Path,
        database: str,
        *,
        target: str = "pg",
        password: str | None = None,
        port: int | None = None,
    ) -> Path:
        """A profiles.yml with profile `jaffle_sim` whose target `target` is this server."""
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "profiles.yml"
        path.write_text(
            "jaffle_sim:\n"
            f"  target: {target}\n"
            "  outputs:\n"
            f"    {target}:\n"
            "      type: postgres\n"
            f"      host: {self.host}\n"
            f"      port: {port if port is not None else self.port}\n"
            f"      user: {self.user}\n"
            f"      password: '{password if password is not None else self.password}'\n"
            f"      dbname: {database}\n"
            "      schema: analytics\n"
            "      threads: 1\n"
            "      connect_timeout: 5\n"
            "      retries: 0\n"
        )
        return path


def _runs_as(user: str) -> tuple[str, ...]:
    """The prefix running a command as `user` (when this process is root), creating that
    unprivileged system user if it does not exist yet."""
    if os.geteuid() != 0:
        return ()
    try:
        pwd.getpwnam(user)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user],
            check=True,
            capture_output=True,
        )
    if shutil.which("runuser") is None:
        pytest.fail("runuser (util-linux) is needed to start PostgreSQL as a non-root user")
    return ("runuser", "-u", user, "--")


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole test session, stopped and removed at its end."""
    binaries = server_binaries()
    as_user = _runs_as(PG_USER)
    root = Path(tempfile.mkdtemp(prefix="jaffle-sim-pg-"))
    if as_user:
        owner = pwd.getpwnam(PG_USER)
        os.chown(root, owner.pw_uid, owner.pw_gid)
    data, log = root / "data", root / "server.log"
    superuser_password = secrets.token_urlsafe(12)
    password = "pw-" + secrets.token_urlsafe(18)
    pwfile = root / "superuser.pw"
    pwfile.write_text(superuser_password + "\n")
    if as_user:
        os.chown(pwfile, owner.pw_uid, owner.pw_gid)
    pwfile.chmod(0o600)

    def tool(*args: str) -> None:
        out = subprocess.run([*as_user, *args], capture_output=True, text=True, check=False)
        if out.returncode != 0:
            server_log = log.read_text() if log.exists() else ""
            pytest.fail(
                f"{Path(args[0]).name} failed: {out.stderr.strip() or out.stdout.strip()}\n"
                f"{server_log}",
                pytrace=False,
            )

    tool(
        str(binaries / "initdb"),
        "-D",
        str(data),
        "-U",
        "postgres",
        f"--pwfile={pwfile}",
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
        "-E",
        "UTF8",
        "--no-locale",
        "--no-sync",
    )
    port = free_port()
    options = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off"
    )
    tool(str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start")
    server = PostgresServer("127.0.0.1", port, ROLE, password, binaries, root, as_user)
    try:
        for _ in range(50):  # pg_ctl -w waits for the socket; make sure TCP answers too
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        server.psql(f"create role {ROLE} login password '{password}'")
        yield server
    finally:
        subprocess.run(
            [*as_user, str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)
