"""A throw-away PostgreSQL cluster for the database tests.

``initdb`` and ``pg_ctl`` from Debian's package (``.ci/install-postgres`` installs it in
``make test``), a cluster directory under /tmp, a free port on 127.0.0.1, run as an unprivileged
user (initdb refuses root: as root the server runs as ``nobody``). Logins over TCP need a
password (scram-sha-256), except the superuser's, which the tests use to load data.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: The role the audits log in as, and its password (a test secret: it must never be printed).
USER = "crm"
PASSWORD = "s3cret-Pw-7f1e"
DATABASE = "crm"


@dataclass
class Server:
    port: int
    directory: Path
    _run_as: list[str]
    _bin: Path

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def url(self, *, password: str | None = PASSWORD, user: str = USER, database: str = DATABASE) -> str:
        login = f"{user}:{password}" if password is not None else user
        return f"postgresql://{login}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        subprocess.run(
            [
                *self._run_as,
                str(self._bin / "pg_ctl"),
                "-D",
                str(self.directory / "data"),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.directory, ignore_errors=True)


def find_bin() -> Path | None:
    """The directory of initdb and pg_ctl: on PATH, else Debian's versioned directory."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start() -> Server | str:
    """A running server, or why PostgreSQL is not there to run (the tests skip with that
    reason). Installed but failing to start is an error, not a skip."""
    bin_dir = find_bin()
    if bin_dir is None:
        return "PostgreSQL is not installed (make test installs it with .ci/install-postgres)"
    directory = Path(tempfile.mkdtemp(prefix="veracity-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            raise RuntimeError(
                "running as root without runuser: cannot start PostgreSQL as an unprivileged user"
            )
        os.chmod(directory, 0o777)
        shutil.chown(directory, "nobody")
        run_as = ["runuser", "-u", "nobody", "--"]
    data = directory / "data"
    superuser_password = directory / "pw"
    superuser_password.write_text("unused\n")
    if run_as:
        shutil.chown(superuser_password, "nobody")
    init = subprocess.run(
        [
            *run_as,
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            f"--pwfile={superuser_password}",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if init.returncode:
        shutil.rmtree(directory, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {init.stderr.strip()[-300:]}")
    # The superuser logs in without a password over TCP (it loads the data); everyone else
    # needs theirs, so a wrong one is refused.
    (data / "pg_hba.conf").write_text(
        "local all all trust\nhost all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n"
    )
    for _ in range(3):
        port = _free_port()
        options = (
            f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        )
        started = subprocess.run(
            [
                *run_as,
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(directory / "log"),
                "-w",
                "start",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if started.returncode == 0:
            server = Server(port=port, directory=directory, _run_as=run_as, _bin=bin_dir)
            _create_role_and_database(server)
            return server
    log = (directory / "log").read_text(errors="replace")[-300:] if (directory / "log").exists() else ""
    shutil.rmtree(directory, ignore_errors=True)
    raise RuntimeError(f"pg_ctl start failed three times: {log.strip()}")


def _create_role_and_database(server: Server) -> None:
    import psycopg

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{server.port}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {USER} LOGIN PASSWORD '{PASSWORD}'")
        conn.execute(f"CREATE DATABASE {DATABASE} OWNER {USER}")
