"""N Optimizer Playground replicas behind nginx, on this machine.

    python deploy/serve_replicas.py --replicas 2 --port 8080

starts two ``streamlit run app.py`` on free loopback ports and Debian's nginx in front of them
on ``127.0.0.1:8080`` (``--host 0.0.0.0`` lets a classroom on the same network in), each
browser pinned to one replica by a cookie (see ``deploy/nginx.conf``). Ctrl-C stops them all;
the logs stay in the printed directory. ``--print-config`` prints the nginx configuration for
replicas on ports 8501, 8502, … instead, for a server where they run as services.

Only the standard library: a teacher runs this with the app's own Python, and the tests import
it (``tests/test_deploy.py``).
"""

from __future__ import annotations

import argparse
import contextlib
import grp
import os
import pwd
import re
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).resolve().with_name("nginx.conf")
NGINX_PATH = "/usr/sbin/nginx"
NGINX_PACKAGE = "nginx"  # Debian's: apt-get install -y nginx
STICKY_COOKIE = "pg_replica"
FIRST_REPLICA_PORT = 8501  # --print-config: replicas on 8501, 8502, …
# Passive failover (deploy/README.md): one failed connection takes a replica out of the
# hash for 10 s, after which nginx tries it again with the next request that hashes to it.
SERVER_PARAMETERS = "max_fails=1 fail_timeout=10s"
# How the app server allocates memory, so that it returns to idle after a class leaves
# (bench/bench_load.py; ui/janitor.py hands the free pages back with malloc_trim):
# - one glibc arena: Streamlit runs each rerun in a new thread, and with an arena per thread
#   freed memory stays scattered over many of them (the GIL runs one thread at a time);
# - Python's objects from malloc, not pymalloc's 1 MiB arenas, which go back to the system
#   only when every object in them is gone: after a class, few are.
# With both, RSS came back to +9 % of idle after a full bench_load run, +13 % with neither.
# Also set in deploy/Dockerfile and `make run`.
SERVER_ENV = {"MALLOC_ARENA_MAX": "1", "PYTHONMALLOC": "malloc"}


def find_nginx() -> str | None:
    """Path of Debian's nginx, or ``None`` when it is not installed."""
    if os.access(NGINX_PATH, os.X_OK):
        return NGINX_PATH
    return shutil.which("nginx")


def reserve_port(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A socket bound to ``host:port`` (a free port if 0), not listening: the port's reservation.

    With ``SO_REUSEADDR`` on both sides Linux lets a server bind and listen on a port that
    such a socket holds, while the kernel never hands the port to anyone who asks for a free
    one. Streamlit and nginx both set it, so the port stays ours from the moment it is chosen
    until the server listens on it: close the reservation once the server answers.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


class _Template(string.Template):
    delimiter = "@"  # nginx itself uses $ for its variables


def render_config(listen: str, replica_ports: Sequence[int]) -> str:
    """``deploy/nginx.conf`` with its ``listen`` address and one upstream server per port."""
    servers = "\n        ".join(
        f"server 127.0.0.1:{port} {SERVER_PARAMETERS};" for port in replica_ports
    )
    return _Template(TEMPLATE.read_text()).substitute(listen=listen, servers=servers)


def _wait_for_health(
    url: str, proc: subprocess.Popen, timeout: float, log_tail: Callable[[], str]
) -> None:
    """Return once ``<url>_stcore/health`` answers ``ok``; raise if ``proc`` exits first."""
    deadline = time.monotonic() + timeout
    health = f"{url}_stcore/health"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with code {proc.returncode}:\n{log_tail()}")
        with (
            contextlib.suppress(OSError, urllib.error.URLError),
            urllib.request.urlopen(health, timeout=2) as response,
        ):
            if response.status == 200 and response.read().strip() == b"ok":
                return
        time.sleep(0.2)
    raise TimeoutError(f"{health} did not answer within {timeout:.0f} s:\n{log_tail()}")


class _Process:
    """A command in its own process group, its stdout and stderr in a log file."""

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self._proc: subprocess.Popen | None = None

    def _launch(
        self, cmd: list[str], cwd: Path, env: dict[str, str] | None = None
    ) -> subprocess.Popen:
        with self.log_path.open("ab") as log:
            self._proc = subprocess.Popen(
                cmd,
                cwd=cwd,
                env={**os.environ, **(env or {})},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group, so stop() reaches every child
            )
        return self._proc

    @property
    def pid(self) -> int | None:
        """The process id (its group's too), or ``None`` when it is not started."""
        return None if self._proc is None else self._proc.pid

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stop(self, timeout: float = 10.0, *, sig: int = signal.SIGTERM) -> None:
        """Send ``sig`` to the process group; kill it if it does not exit in time."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=timeout)

    def log_tail(self, n_chars: int = 4000) -> str:
        """The end of the process's log."""
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")[-n_chars:]
        return ""


class Replica(_Process):
    """``streamlit run app.py`` on a free loopback port."""

    def __init__(self, workdir: Path, *, script: Path = ROOT / "app.py", cwd: Path = ROOT) -> None:
        self._reservation: socket.socket | None = reserve_port()
        self.port = self._reservation.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.script = script
        self.cwd = cwd  # where .streamlit/config.toml is
        super().__init__(workdir / f"replica-{self.port}.log")

    def _release_port(self) -> None:
        if self._reservation is not None:
            self._reservation.close()
            self._reservation = None

    def launch(self) -> None:
        """Start the server on its port (again, after ``stop`` or ``kill``: nginx lists it)."""
        if self._reservation is None:
            self._reservation = reserve_port(port=self.port)
        self._launch(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(self.script),
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(self.port),
                "--server.fileWatcherType",
                "none",
            ],
            cwd=self.cwd,
            env=SERVER_ENV,
        )

    def wait_ready(self, timeout: float = 90.0) -> None:
        """Return once the server answers its health check; its port is then its own."""
        assert self._proc is not None, "launch() first"
        _wait_for_health(self.url, self._proc, timeout, self.log_tail)
        self._release_port()

    def stop(self, timeout: float = 10.0, *, sig: int = signal.SIGTERM) -> None:
        super().stop(timeout, sig=sig)
        self._release_port()

    def kill(self) -> None:
        """End the server at once, as a crash or the OOM killer would; its port stays
        reserved for ``launch``."""
        super().stop(sig=signal.SIGKILL)
        if self._reservation is None:
            self._reservation = reserve_port(port=self.port)


class Nginx(_Process):
    """nginx in the foreground on ``deploy/nginx.conf``, everything it writes in ``workdir``."""

    def __init__(
        self, workdir: Path, replica_ports: Sequence[int], *, host: str, port: int | None
    ) -> None:
        # A free port (port None) stays reserved until nginx answers on it.
        self._reservation = None if port else reserve_port(host)
        port = port or self._reservation.getsockname()[1]
        self.workdir = workdir
        self.url = f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}/"
        self.config_path = workdir / "nginx.conf"
        self.access_log = workdir / "access.log"
        self.error_log = workdir / "error.log"
        self.config_path.write_text(render_config(f"{host}:{port}", replica_ports))
        (workdir / "tmp").mkdir(exist_ok=True)
        super().__init__(workdir / "nginx.log")

    def launch(self, nginx: str) -> None:
        directives = "daemon off;"
        if os.geteuid() == 0:
            # As root nginx's workers switch to an unprivileged user, which must still reach
            # the temp files in workdir (mkdtemp makes it 0700).
            nobody = pwd.getpwnam("nobody")
            directives += f" user nobody {grp.getgrgid(nobody.pw_gid).gr_name};"
            self.workdir.chmod(0o711)
        self._launch(
            [nginx, "-p", str(self.workdir), "-c", str(self.config_path), "-g", directives],
            cwd=self.workdir,
        )

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Return once a replica answers its health check through nginx."""
        assert self._proc is not None, "launch() first"
        _wait_for_health(self.url, self._proc, timeout, self.log_tail)
        self._release_port()

    def _release_port(self) -> None:
        if self._reservation is not None:
            self._reservation.close()
            self._reservation = None

    def stop(self, timeout: float = 10.0, *, sig: int = signal.SIGTERM) -> None:
        super().stop(timeout, sig=sig)
        self._release_port()

    def log_tail(self, n_chars: int = 4000) -> str:
        parts = [super().log_tail(n_chars)]
        with contextlib.suppress(OSError):
            parts.append(self.error_log.read_text(errors="replace")[-n_chars:])
        return "\n".join(parts)


@dataclass(frozen=True)
class AccessEntry:
    """One line of nginx's access log (``log_format playground`` in ``deploy/nginx.conf``)."""

    method: str
    path: str
    status: int
    upstream: str  # "127.0.0.1:8501"; several, comma-separated, when nginx retried
    cookie: str | None  # the pg_replica cookie the browser sent; None on a first visit
    sticky: str  # the key nginx routed by: the cookie, or the id it set as the cookie


_LINE = re.compile(
    r'"(?P<method>\S+) (?P<path>\S+) [^"]*" (?P<status>\d+) '
    r"upstream=(?P<upstream>.*?) cookie=(?P<cookie>\S+) sticky=(?P<sticky>\S+) "
)


def read_access_log(path: Path) -> list[AccessEntry]:
    """The requests nginx logged, in order."""
    entries = []
    for line in path.read_text().splitlines():
        match = _LINE.search(line)
        if match is None:
            raise ValueError(f"not a playground access-log line: {line!r}")
        cookie = match["cookie"]
        entries.append(
            AccessEntry(
                method=match["method"],
                path=match["path"],
                status=int(match["status"]),
                upstream=match["upstream"],
                cookie=None if cookie == "-" else cookie,
                sticky=match["sticky"],
            )
        )
    return entries


@dataclass(frozen=True)
class Deployment:
    """Running replicas and the nginx in front of them."""

    url: str
    replicas: list[Replica]
    nginx: Nginx
    workdir: Path

    def access_log(self) -> list[AccessEntry]:
        return read_access_log(self.nginx.access_log)

    def logs(self) -> str:
        """Every process's log tail, for a failure message."""
        parts = [f"--- nginx\n{self.nginx.log_tail()}"]
        parts += [f"--- replica {r.port}\n{r.log_tail()}" for r in self.replicas]
        return "\n".join(parts)


@contextlib.contextmanager
def serve(
    replicas: int,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    workdir: Path | None = None,
    timeout: float = 90.0,
    app: Path = ROOT / "app.py",
) -> Iterator[Deployment]:
    """``replicas`` app servers and nginx on ``host:port`` (a free port if ``None``).

    Logs and nginx's files go to ``workdir`` (a new temporary directory if ``None``), which is
    left in place. Each replica runs ``app`` from its folder (where its ``.streamlit/`` is).
    Everything is stopped on exit, also when the body fails.
    """
    nginx_path = find_nginx()
    if nginx_path is None:
        raise FileNotFoundError(
            f"nginx not found at {NGINX_PATH} (nor on PATH): apt-get install -y {NGINX_PACKAGE}"
        )
    workdir = workdir or Path(tempfile.mkdtemp(prefix="playground-deploy-"))
    servers = [Replica(workdir, script=app, cwd=app.parent) for _ in range(replicas)]
    nginx = Nginx(workdir, [s.port for s in servers], host=host, port=port)
    try:
        for server in servers:  # all start at once; each takes a few seconds
            server.launch()
        for server in servers:
            server.wait_ready(timeout)
        nginx.launch(nginx_path)
        nginx.wait_ready()
        yield Deployment(url=nginx.url, replicas=servers, nginx=nginx, workdir=workdir)
    finally:
        nginx.stop()
        for server in servers:
            server.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=2, help="app servers (default 2)")
    parser.add_argument("--port", type=int, default=8080, help="nginx's port (default 8080)")
    parser.add_argument(
        "--host", default="127.0.0.1", help="nginx's address; 0.0.0.0 opens it to the network"
    )
    parser.add_argument(
        "--print-config",
        action="store_true",
        help=f"print nginx.conf for replicas on ports {FIRST_REPLICA_PORT}, … and exit",
    )
    args = parser.parse_args(argv)
    if args.replicas < 1:
        parser.error("--replicas must be at least 1")

    if args.print_config:
        ports = range(FIRST_REPLICA_PORT, FIRST_REPLICA_PORT + args.replicas)
        print(render_config(f"{args.host}:{args.port}", ports), end="")
        return 0

    # SIGTERM (docker stop, systemd) ends the wait below like Ctrl-C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with serve(args.replicas, host=args.host, port=args.port) as deployment:
        ports = ", ".join(str(r.port) for r in deployment.replicas)
        print(f"Optimizer Playground on {deployment.url}  (replicas on 127.0.0.1:{ports})")
        print(f"Logs in {deployment.workdir}. Ctrl-C stops.", flush=True)
        try:
            while deployment.nginx.running() and all(r.running() for r in deployment.replicas):
                time.sleep(1)
        except KeyboardInterrupt:
            return 0
    print(f"A process exited; see the logs in {deployment.workdir}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
