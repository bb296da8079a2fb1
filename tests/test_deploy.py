"""deploy/: the container recipe, and two app replicas behind Debian's nginx.

The replicas and nginx start once for the module (``deploy/serve_replicas.py``) on loopback.
Simulated students (``bench/loadgen.py``) and a real Chromium then go through nginx: both
replicas serve, the first websocket already carries the sticky cookie, and every request of
a student reaches the replica its session lives on. Docker cannot run here, so the
Dockerfile is checked against the repository instead of built.
"""

from __future__ import annotations

import collections
import fnmatch
import json
import re
import shlex
import socket
import time
import urllib.request
from pathlib import Path

import pytest
from e2e_support import MAP_SELECTOR, launch_chromium, require_chromium, wait_until_idle

from bench.loadgen import run_load_sync
from deploy import serve_replicas
from deploy.serve_replicas import STICKY_COOKIE, AccessEntry, Deployment

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SKIP_PREFIX = "DEPLOY TEST SKIPPED:"
STREAM = "/_stcore/stream"

# Each student's replica is the hash of a random cookie: with 10 students the chance that
# all land on one of two replicas is about 2 × 2⁻¹⁰ (0.2 %), so "both serve" is a fair test.
STUDENTS = 10
MOVES = 2  # slider moves per student: the websocket carries more than the first run
# How long a test waits for nginx's log or the students' moves: a guard against a hang.
LOG_WAIT_S = 60


def require_nginx() -> None:
    """Debian's nginx, or a loud skip (CI turns it into a failure)."""
    if serve_replicas.find_nginx() is None:
        pytest.skip(
            f"{SKIP_PREFIX} nginx not found at {serve_replicas.NGINX_PATH} (nor `nginx` on "
            f"PATH): install Debian's nginx (apt-get install -y {serve_replicas.NGINX_PACKAGE})"
            " — the replicas-behind-nginx tests did not run"
        )


def log_after(
    deployment: Deployment,
    start: int,
    *,
    lines: int = 0,
    streams: int = 0,
    path: str | None = None,
) -> list[AccessEntry]:
    """The access log from line ``start`` on (only requests for ``path``, if given), once it
    holds ``lines`` lines and ``streams`` websocket lines (or after ``LOG_WAIT_S``; the
    asserts then say what is missing).

    nginx logs a request just after its response has gone out, and a websocket when it
    closes, a moment after the client has let it go: a line of the health check that the
    deployment waited for may come after ``start``.
    """
    deadline = time.monotonic() + LOG_WAIT_S
    while True:
        entries = [e for e in deployment.access_log()[start:] if path in (None, e.path)]
        closed = sum(e.path == STREAM for e in entries)
        if (len(entries) >= lines and closed >= streams) or time.monotonic() > deadline:
            return entries
        time.sleep(0.1)


def sticky_cookie(response) -> str | None:
    """The value of the sticky cookie ``response`` sets, if it sets one."""
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        if name == STICKY_COOKIE:
            return rest.split(";")[0]
    return None


def upstreams_by_key(entries: list[AccessEntry]) -> dict[str, set[str]]:
    routed = collections.defaultdict(set)
    for entry in entries:
        routed[entry.sticky].add(entry.upstream)
    return routed


# --- the nginx configuration and the container recipe, without running them ---------------


def test_the_config_lists_one_upstream_server_per_replica() -> None:
    config = serve_replicas.render_config("0.0.0.0:80", [8501, 8502, 8503])
    servers = re.findall(r"^\s*server 127\.0\.0\.1:(\d+) (.*);$", config, re.M)
    assert [port for port, _ in servers] == ["8501", "8502", "8503"]
    # Passive failover: a refused connection takes a replica out, and the request (the
    # websocket's upgrade too) goes on to the next one; every worker sees it (the zone).
    assert {params for _, params in servers} == {"max_fails=1 fail_timeout=10s"}
    assert re.search(r"^\s*proxy_next_upstream error timeout\b", config, re.M)
    assert re.search(r"^\s*zone playground \d+k;$", config, re.M)
    assert re.search(r"^\s*listen 0\.0\.0\.0:80;$", config, re.M)
    assert f"hash $cookie_{STICKY_COOKIE}" not in config, "the first visit must be hashed too"
    assert re.search(r"^\s*hash \$pg_sticky consistent;$", config, re.M)
    assert "@" not in config


def plain_bind_fails(port: int) -> bool:
    """Whether a socket without ``SO_REUSEADDR`` (anyone else's) cannot bind ``port``."""
    with socket.socket() as other:
        try:
            other.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def test_a_reserved_port_is_held_for_the_server_alone(tmp_path) -> None:
    replica = serve_replicas.Replica(tmp_path)
    assert plain_bind_fails(replica.port), "nobody else may take the replica's port"
    with socket.socket() as server:  # as Streamlit and nginx bind it: SO_REUSEADDR
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", replica.port))
        server.listen()
    replica.stop()  # never launched: gives the port back
    assert not plain_bind_fails(replica.port)


def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (keyword, arguments), continuation lines joined."""
    text = (DEPLOY / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = "\n".join(lines).replace("\\\n", " ")
    instructions = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, arguments = line.strip().partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def test_the_dockerfile_copies_files_that_exist_and_are_in_the_build_context() -> None:
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    sources = []
    for keyword, arguments in dockerfile():
        if keyword == "COPY":
            *paths, _destination = shlex.split(arguments)
            sources += [p for p in paths if not p.startswith("--")]
    assert {"requirements.txt", "app.py", ".streamlit/", "optim_core/", "ui/", "pages/"} <= set(
        sources
    )
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: no such file in the repository"
        path = source.rstrip("/")
        parents = [str(p) for p in Path(path).parents if str(p) != "."]
        for pattern in ignored:
            for candidate in [path, *parents]:
                assert not fnmatch.fnmatch(candidate, pattern), f".dockerignore drops {source}"
    # Every module the app imports from the repository is copied.
    local = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert local <= {s.rstrip("/") for s in sources}, local


def test_the_image_installs_the_runtime_requirements_only() -> None:
    runs = [arguments for keyword, arguments in dockerfile() if keyword == "RUN"]
    installs = [run for run in runs if "pip install" in run]
    assert installs == ["pip install -r requirements.txt"]


def test_the_image_runs_the_command_its_readme_gives_and_checks_health() -> None:
    instructions = dict(dockerfile())
    command = json.loads(instructions["CMD"])
    assert command[:3] == ["streamlit", "run", "app.py"]  # as `make run` does
    port = command[command.index("--server.port") + 1]
    assert instructions["EXPOSE"] == port
    assert command[command.index("--server.address") + 1] == "0.0.0.0"
    assert f"`{shlex.join(command)}`" in (DEPLOY / "README.md").read_text()
    assert instructions["USER"] != "root"
    health = instructions["HEALTHCHECK"]
    assert f"127.0.0.1:{port}/_stcore/health" in health


# --- two replicas behind nginx -----------------------------------------------------------


@pytest.mark.deploy
def test_a_first_visit_gets_the_cookie_and_lands_where_the_cookie_points(deployment) -> None:
    start = len(deployment.access_log())
    with urllib.request.urlopen(deployment.url, timeout=10) as response:
        cookie = sticky_cookie(response)
        header = "; ".join(response.headers.get_all("Set-Cookie"))
    assert cookie is not None and re.fullmatch(r"[0-9a-f]{32}", cookie), header
    assert "Path=/" in header and "HttpOnly" in header
    again = urllib.request.Request(deployment.url, headers={"Cookie": f"{STICKY_COOKIE}={cookie}"})
    with urllib.request.urlopen(again, timeout=10) as response:
        assert sticky_cookie(response) is None, "a browser that has the cookie keeps it"

    first, second = log_after(deployment, start, lines=2, path="/")
    assert (first.cookie, first.sticky) == (None, cookie)
    assert (second.cookie, second.sticky) == (cookie, cookie)
    assert first.upstream == second.upstream


@pytest.mark.deploy
def test_students_through_nginx_reach_both_replicas_and_each_stays_on_one(deployment) -> None:
    start = len(deployment.access_log())
    report = run_load_sync(
        deployment.url, students=STUDENTS, duration_s=LOG_WAIT_S, interval=(0.5, 1.0), moves=MOVES
    )

    assert report.errors == [], "\n".join([*report.errors[:20], deployment.logs()])
    for student in report.students:
        assert student.load_time is not None, f"student {student.student} never loaded"
        assert student.reruns == MOVES, f"student {student.student}: {student.reruns} reruns"

    entries = log_after(deployment, start, streams=STUDENTS)
    replicas = {f"127.0.0.1:{r.port}" for r in deployment.replicas}
    assert {e.upstream for e in entries} <= replicas, "nginx retried or hit another server"
    assert all(e.status < 500 for e in entries), [e for e in entries if e.status >= 500]
    streams = [e for e in entries if e.path == STREAM]
    assert len(streams) == STUDENTS and all(e.status == 101 for e in streams), streams
    assert {e.upstream for e in streams} == replicas, "one replica got every websocket"
    # Each websocket carried the cookie its student got, and every request by that student
    # (page, health check, host config, websocket) went to one replica.
    assert all(e.cookie == e.sticky for e in streams), streams
    routed = upstreams_by_key(entries)
    assert len(routed) == STUDENTS
    assert all(len(upstreams) == 1 for upstreams in routed.values()), routed


@pytest.mark.deploy
@pytest.mark.browser
def test_the_browsers_first_websocket_carries_the_cookie_of_the_first_page(deployment) -> None:
    chromium = require_chromium()
    from playwright.sync_api import sync_playwright

    start = len(deployment.access_log())
    with sync_playwright() as pw:
        browser = launch_chromium(pw, chromium)
        try:
            page = browser.new_page()
            page.set_default_timeout(60_000)
            page.goto(deployment.url)
            page.locator(MAP_SELECTOR).wait_for()  # plotly.js came through nginx as well
            wait_until_idle(page)
        finally:
            browser.close()

    entries = log_after(deployment, start, streams=1)
    first = entries[0]
    assert (first.path, first.cookie) == ("/", None), first
    streams = [e for e in entries if e.path == STREAM]
    # 101: Streamlit took the websocket, so the Origin matched the Host nginx passed on.
    assert [(e.status, e.cookie) for e in streams] == [(101, first.sticky)], streams
    assert upstreams_by_key(entries) == {first.sticky: {first.upstream}}
