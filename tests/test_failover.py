"""A lost replica and a restarted server, mid-class: every page comes back with its scene.

Two replicas behind Debian's nginx (``deploy/``), 20 simulated students (``bench/loadgen.py``)
each on a scene of its own plus one moved slider, and one Chromium page. The replica that
serves the browser is killed (SIGKILL, as a crash would): every page it served reconnects,
as Streamlit's frontend does, through nginx to the live replica, within the 10 s of
issue #20, to a new session that draws the same scene (the same query string and the same
widget values). The students on the live replica never notice. The killed replica then
restarts on its port and nginx sends it the sessions that hash to it again. Last, a single
server (no nginx) is restarted under 5 students and a browser: they come back the same.

The students run in an event loop on a thread of their own, so that they reconnect while
the test's thread drives Chromium. Waits are for events (a websocket closing, a run's
``script_finished``) with ``HANG_GUARD_S`` as a guard against a hang, not as a limit.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import random
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Coroutine, Iterator

import pytest
from e2e_support import (
    DESKTOP,
    MAP_SELECTOR,
    ROOT,
    chromium_page,
    slider_thumb,
    streamlit_server,
    wait_until_idle,
)
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench import loadgen
from deploy.serve_replicas import STICKY_COOKIE, Deployment, Replica
from optim_core.optimizers import OPTIMIZERS

pytestmark = [pytest.mark.deploy, pytest.mark.browser]

STUDENTS = 20
RECONNECT_S = 10.0  # issue #20: every page back on the live replica within 10 s
HANG_GUARD_S = 90.0  # a wait that takes this long is a hang, not a slow machine
STREAM = "/_stcore/stream"
LANDSCAPES = ("quadratic", "rosenbrock", "himmelblau", "booth", "beale")
PAIRS = (("gd", "adam"), ("momentum", "rmsprop"), ("nesterov", "lion"), ("adagrad", "nadam"))
# The browser's scene: a link, and then one notch of GD's η.
BROWSER_SCENE = "land=rosenbrock&opt=gd,adam&steps=150&seed=5"
BROWSER_SLIDER, BROWSER_PARAM = "hp_gd_lr", "gd.lr"
# The address bar follows a run a frame after it (the map's element, or Streamlit, writes
# it): the page has settled once it agrees with GD's η slider, and the sliders ``keys`` are
# drawn (the cards come in a run after the map's, one slider at a time, and the page shows
# no "Running" for it).
SETTLED = """([key, param, keys = []]) => {
  const thumb = (k) => document.querySelector(
    `.pg-design input[data-key="${k}"], .st-key-${k} [role="slider"]`);
  const own = thumb(key);
  return own !== null && keys.every((k) => thumb(k) !== null)
    && new URLSearchParams(location.search).get(param) === own.getAttribute('aria-valuetext');
}"""
# Every hyperparameter slider on the page, by widget key: the value its thumb shows.
SLIDER_VALUES = """() => Object.fromEntries(
  [...document.querySelectorAll('.pg-design input[type=range][data-key^="hp_"]')]
    .map((thumb) => [thumb.dataset.key, thumb.getAttribute('aria-valuetext')]))"""


def scene(student: int) -> str:
    """Student ``student``'s link: a landscape, two optimizers, steps and seed of its own."""
    opts = PAIRS[student % len(PAIRS)]
    land = LANDSCAPES[student % len(LANDSCAPES)]
    return f"land={land}&opt={','.join(opts)}&steps={100 + 7 * student}&seed={student}"


class LoopThread:
    """An asyncio event loop running in a daemon thread; coroutines are handed to it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def submit(self, coro: Coroutine) -> concurrent.futures.Future:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def run(self, coro: Coroutine):
        return self.submit(coro).result(HANG_GUARD_S)

    def close(self) -> None:
        """Cancel what still runs (a failed test's students), then stop. A coroutine left
        pending is closed by the garbage collector in whatever a later test runs then, and
        its "Exception ignored" traceback formatted there: Python 3.11 marks a traceback's
        columns with ``ast.parse``, and inside another parse (an AppTest's script) that
        raises SystemError ("AST constructor recursion depth mismatch")."""

        async def cancel_the_rest() -> None:
            rest = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in rest:
                task.cancel()
            await asyncio.gather(*rest, return_exceptions=True)

        self.run(cancel_the_rest())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(HANG_GUARD_S)
        self.loop.close()


@pytest.fixture
def students_loop() -> Iterator[LoopThread]:
    running = LoopThread()
    yield running
    running.close()


# --- the students ----------------------------------------------------------------------------


def snapshot(page: loadgen.Page) -> tuple[str, dict[str, str]]:
    """What a student sees of its scene: the query string, and every keyed widget's value."""
    values = {key: str(page.widgets[i]) for key, i in page.keys.items() if i in page.widgets}
    return page.query_string, values


async def join(url: str, student: int, errors: list[str]) -> loadgen.Page:
    """A student opens its link and moves one of its sliders."""
    page = await loadgen.Page.open(f"{url}?{scene(student)}", errors)
    await page.load()
    linked = page.query_string
    await page.move(random.Random(student))
    assert page.query_string != linked, f"student {student}: a move left the URL as it was"
    return page


async def join_all(url: str, count: int) -> tuple[list[loadgen.Page], list[str]]:
    errors: list[str] = []
    pages = await asyncio.gather(*(join(url, i, errors) for i in range(count)))
    return list(pages), errors


async def come_back(page: loadgen.Page, killed_at: list[float]) -> tuple[loadgen.Page, float]:
    """Once ``page``'s connection drops, reconnect as the frontend does; the new page and
    the seconds from ``killed_at[0]`` (set when the server goes) to its finished run."""
    await page.ws.wait_closed()
    again = await page.reconnect(HANG_GUARD_S)
    return again, time.monotonic() - killed_at[0]


async def move_again(pages: list[loadgen.Page]) -> None:
    """One more slider move on each page (that stayed connected)."""

    await asyncio.gather(*(p.move(random.Random(i)) for i, p in enumerate(pages)))


async def close_all(pages: list[loadgen.Page]) -> None:
    await asyncio.gather(*(p.close() for p in pages))


# --- nginx's view ------------------------------------------------------------------------------


def routed_to(deployment: Deployment, cookie: str, start: int = 0) -> str:
    """The replica (``127.0.0.1:port``) nginx sent the last page request of ``cookie`` to,
    from access-log line ``start`` on; after a retry, the one that answered."""
    deadline = time.monotonic() + HANG_GUARD_S
    while time.monotonic() < deadline:
        pages = [
            e
            for e in deployment.access_log()[start:]
            if e.sticky == cookie and e.path.split("?")[0] == "/" and e.status == 200
        ]
        if pages:
            return pages[-1].upstream.split(", ")[-1]
        time.sleep(0.1)  # nginx logs a request once its response is out
    raise AssertionError(f"nginx logged no page for cookie {cookie}:\n{deployment.logs()}")


def address(replica: Replica) -> str:
    return f"127.0.0.1:{replica.port}"


def wait_for_rejoin(deployment: Deployment, cookie: str, replica: Replica) -> None:
    """Until nginx sends a page request with ``cookie`` to ``replica`` again: it does once
    the failure is ``fail_timeout`` old (deploy/serve_replicas.SERVER_PARAMETERS)."""
    deadline = time.monotonic() + HANG_GUARD_S
    request = urllib.request.Request(
        deployment.url, headers={"Cookie": f"{STICKY_COOKIE}={cookie}"}
    )
    while True:
        start = len(deployment.access_log())
        with urllib.request.urlopen(request, timeout=HANG_GUARD_S) as response:
            response.read()
        if routed_to(deployment, cookie, start) == address(replica):
            return
        assert time.monotonic() < deadline, f"nginx sent no page to {address(replica)} again"
        time.sleep(0.5)  # nginx tries a failed replica again after its fail_timeout


# --- the browser -------------------------------------------------------------------------------


def finished_run(payload: bytes | str) -> bool:
    """Whether a websocket frame from the server is a script run that finished well."""
    if isinstance(payload, str):
        return False
    msg = ForwardMsg()
    msg.ParseFromString(payload)
    return (
        msg.WhichOneof("type") == "script_finished"
        and msg.script_finished == ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY
    )


def browser_scene(page, *, settled: bool = True) -> tuple[dict[str, str], dict[str, str]]:
    """The browser's scene: the address bar's query and every slider's value; with
    ``settled``, once the two agree."""
    page.locator(MAP_SELECTOR).wait_for()
    wait_until_idle(page)
    if settled:
        page.wait_for_function(SETTLED, arg=[BROWSER_SLIDER, BROWSER_PARAM, card_sliders(page)])
    query = urllib.parse.parse_qsl(urllib.parse.urlsplit(page.url).query)
    return dict(query), page.evaluate(SLIDER_VALUES)


def card_sliders(page) -> list[str]:
    """The keys of the sliders the cards of the address bar's optimizers hold."""
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(page.url).query))
    names = [name for name in query.get("opt", "").split(",") if name]
    return [f"hp_{name}_{p.name}" for name in names for p in OPTIMIZERS[name].hyperparams]


def open_browser_scene(page, url: str) -> tuple[dict[str, str], dict[str, str]]:
    """Open the browser's link and the panel of GD's sliders; its scene."""
    page.goto(f"{url}?{BROWSER_SCENE}")
    slider_thumb(page, BROWSER_SLIDER)
    scene = browser_scene(page)
    assert BROWSER_SLIDER in scene[1], scene
    return scene


def move_browser_slider(page) -> tuple[dict[str, str], dict[str, str]]:
    """Move GD's η one notch; the browser's scene once the link follows."""
    thumb = slider_thumb(page, BROWSER_SLIDER)
    linked = page.url
    thumb.press("ArrowRight")
    page.wait_for_function("(linked) => location.href !== linked", arg=linked)
    return browser_scene(page)


@contextlib.contextmanager
def browser_reconnect(page, times: dict[str, float]) -> Iterator[None]:
    """Around the body that takes the server away: returns once the page has a new
    websocket and a finished run on it; ``times["browser"]`` is how long that took."""
    with page.expect_websocket(
        lambda ws: ws.url.endswith(STREAM), timeout=HANG_GUARD_S * 1000
    ) as socket:
        started = time.monotonic()
        yield
    socket.value.wait_for_event(
        "framereceived", predicate=finished_run, timeout=HANG_GUARD_S * 1000
    )
    times["browser"] = time.monotonic() - started


# --- the tests ---------------------------------------------------------------------------------


def test_a_killed_replica_loses_no_scene_and_rejoins(deployment, chromium_path, students_loop):
    loop = students_loop
    pages, errors = loop.run(join_all(deployment.url, STUDENTS))
    assert errors == [], errors
    with chromium_page(chromium_path, DESKTOP) as browser:
        seen = open_browser_scene(browser, deployment.url)
        cookie = next(c["value"] for c in browser.context.cookies() if c["name"] == STICKY_COOKIE)
        killed = next(r for r in deployment.replicas if address(r) == routed_to(deployment, cookie))
        live = next(r for r in deployment.replicas if r is not killed)
        on_killed = [
            p for p in pages if routed_to(deployment, p.cookies[STICKY_COOKIE]) == address(killed)
        ]
        on_live = [p for p in pages if p not in on_killed]
        assert on_killed and on_live, "the students' cookies all hash to one replica"
        before = {id(p): snapshot(p) for p in pages}

        killed_at: list[float] = []
        back = [loop.submit(come_back(p, killed_at)) for p in on_killed]
        times: dict[str, float] = {}
        start = len(deployment.access_log())
        with browser_reconnect(browser, times):
            killed_at.append(time.monotonic())
            killed.kill()
        assert browser_scene(browser) == seen, "the browser came back on another scene"

        returned = [f.result(HANG_GUARD_S) for f in back]
        assert errors == [], errors
        for old, (new, seconds) in zip(on_killed, returned, strict=True):
            assert snapshot(new) == before[id(old)], "a student came back on another scene"
            assert seconds <= RECONNECT_S, f"a student took {seconds:.1f} s to come back"
            assert routed_to(deployment, new.cookies[STICKY_COOKIE], start) == address(live)
        assert times["browser"] <= RECONNECT_S, f"the browser took {times['browser']:.1f} s"
        # The live replica's students kept their sessions: the same websocket, still working.
        loop.run(move_again(on_live))
        assert errors == [], errors

        killed.launch()
        killed.wait_ready()
        wait_for_rejoin(deployment, cookie, killed)
        # A reload goes where the browser's cookie points: the restarted replica.
        start = len(deployment.access_log())
        browser.reload()
        assert browser_scene(browser) == seen, "a reload on the restarted replica lost the scene"
        assert routed_to(deployment, cookie, start) == address(killed)
    loop.run(close_all([*on_live, *(new for new, _ in returned)]))
    print(
        f"failover: {len(on_killed)} students back in "
        f"{max(s for _, s in returned):.1f} s at most, the browser in {times['browser']:.1f} s"
    )


def test_a_restarted_server_brings_every_page_back_on_its_scene(chromium_path, students_loop):
    """One server, no nginx (``make run``), restarted as a service manager does (SIGTERM,
    then start again on its port) under 5 students and a browser."""
    loop = students_loop
    with streamlit_server(ROOT / "app.py", timeout=HANG_GUARD_S) as server:
        pages, errors = loop.run(join_all(server.url, 5))
        assert errors == [], errors
        with chromium_page(chromium_path, DESKTOP) as browser:
            open_browser_scene(browser, server.url)
            moved = move_browser_slider(browser)
            before = [snapshot(p) for p in pages]

            restarted_at: list[float] = []
            back = [loop.submit(come_back(p, restarted_at)) for p in pages]
            times: dict[str, float] = {}
            with browser_reconnect(browser, times):
                restarted_at.append(time.monotonic())
                server.stop()
                server.launch()
                server.wait_ready(HANG_GUARD_S)
            returned = [f.result(HANG_GUARD_S) for f in back]
            assert errors == [], errors
            assert [snapshot(new) for new, _ in returned] == before
            # The new session first draws the page's link; the map's element then hands it
            # the scene it showed (a second run): wait for the moved value, or time out.
            browser.wait_for_function(
                f"([key, param, value]) => ({SETTLED})([key, param])"
                " && new URLSearchParams(location.search).get(param) === value",
                arg=[BROWSER_SLIDER, BROWSER_PARAM, moved[0][BROWSER_PARAM]],
                timeout=RECONNECT_S * 1000,
            )
            after = browser_scene(browser)
        loop.run(close_all([new for new, _ in returned]))
    print(
        f"restart: 5 students back in {max(s for _, s in returned):.1f} s at most, "
        f"the browser in {times['browser']:.1f} s"
    )
    # Streamlit's frontend sends the link the page was opened with again; the map's element
    # hands the app the scene it showed last (ui/plotly_element.js, restoreScene).
    assert after == moved, "the browser came back on another scene"
