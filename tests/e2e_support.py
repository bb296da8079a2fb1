"""Helpers for the end-to-end test and the latency benchmark.

Both start a real Streamlit server as a subprocess on a free loopback port and drive it
with Playwright in Debian's headless Chromium (never a browser downloaded by Playwright).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from deploy.serve_replicas import Replica  # noqa: E402 - needs ROOT on the path

OUT_DIR = ROOT / "bench" / "out"

DESKTOP = {"width": 1400, "height": 1000}  # the browser tests' default viewport

CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SKIP_PREFIX = "BROWSER TEST SKIPPED:"

# The graph div Plotly draws into, inside the element container Streamlit tags with the key.
MAP_SELECTOR = ".st-key-map .js-plotly-plot"


def find_chromium() -> str | None:
    """Path of Debian's Chromium, or ``None`` when it is not installed."""
    if os.access(CHROMIUM_PATH, os.X_OK):
        return CHROMIUM_PATH
    return shutil.which("chromium")


def missing_chromium_reason() -> str:
    """The loud message a browser test skips with when no Chromium is found."""
    return (
        f"{SKIP_PREFIX} Chromium not found at {CHROMIUM_PATH} (nor `chromium` on PATH): "
        "install Debian's chromium (apt-get install -y chromium) — browser tests did not run"
    )


def launch_chromium(playwright, executable_path: str):
    """A headless Chromium browser driven by ``playwright`` (a started sync_playwright)."""
    return playwright.chromium.launch(executable_path=executable_path, args=CHROMIUM_ARGS)


class StreamlitServer(Replica):
    """``streamlit run <script>`` on a free loopback port, its output in a temporary log.

    The replica of ``deploy/serve_replicas.py``, started and stopped as one: ``start()``
    returns once ``/_stcore/health`` answers, and the server is a context manager.
    """

    def __init__(self, script: Path, *, cwd: Path = ROOT) -> None:
        super().__init__(Path(tempfile.mkdtemp(prefix="streamlit-")), script=Path(script), cwd=cwd)

    def start(self, timeout: float = 60.0) -> None:
        """Start the server and return once it answers its health check."""
        self.launch()
        try:
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def __enter__(self) -> StreamlitServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@contextlib.contextmanager
def streamlit_server(
    script: Path, *, cwd: Path = ROOT, timeout: float = 60.0
) -> Iterator[StreamlitServer]:
    """A running server for ``script`` (run in ``cwd``, whose modules it imports), stopped on
    exit even when the body fails."""
    server = StreamlitServer(script, cwd=cwd)
    try:
        server.start(timeout=timeout)
        yield server
    finally:
        server.stop()


def address(page) -> str:
    """The address bar, read in the page: Playwright's ``page.url`` follows
    ``history.replaceState`` (the map's element keeps the link so) only once its event has
    come back."""
    return page.evaluate("location.href")


def link_start(page) -> tuple[float, float]:
    """The start point the address bar holds (x0, y0)."""
    from urllib.parse import parse_qs, urlparse

    query = parse_qs(urlparse(address(page)).query)
    return float(query["x0"][0]), float(query["y0"][0])


# Whether the address bar's x0 is no longer ``before``: the start point moved.
LINK_START_MOVED = "(before) => Number(new URLSearchParams(location.search).get('x0')) !== before"


def wait_until_idle(page, timeout_ms: float = 60_000) -> None:
    """Wait until the script run is over: no "Running…" status and no stale elements."""
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')
              && !document.querySelector('[data-stale="true"]')""",
        timeout=timeout_ms,
    )


def wait_for_sidebar(page, timeout_ms: float = 60_000) -> None:
    """Until the playground's sidebar holds its controls if it is open and none if it is
    collapsed (they are drawn a run after it opens: pages/playground.py), the page idle."""
    page.wait_for_function(
        """() => {
          const bar = document.querySelector('[data-testid=stSidebar]');
          if (!bar) return true;
          const open = bar.getAttribute('data-collapsed') === 'false';
          return open === bar.querySelectorAll('[data-testid=stElementContainer]').length > 1;
        }""",
        timeout=timeout_ms,
    )
    wait_until_idle(page, timeout_ms)


def slider_selector(key: str) -> str:
    """A CSS selector of the slider with widget key ``key``: a range input of the
    playground's design element (``ui/design_element.js``, ``data-key``) or the thumb of a
    Streamlit slider (other pages, and the playground without static files)."""
    return (
        f'.pg-design input[type=range][data-key="{key}"], '
        f".st-key-{key} input[type=range], .st-key-{key} [role=slider]"
    )


def slider_thumb(page, key: str):
    """The slider with widget key ``key`` (``slider_selector``), once visible, its expander
    opened if need be.

    Both kinds take arrow keys and say their value in ``aria-valuetext``. A native range
    commits each key (its "change"); Streamlit's (react-aria) commits on "change end".
    """
    closed = page.locator(f"details:not([open]):has(.st-key-{key}) > summary")
    for _ in range(3):  # expanders may nest
        if not closed.count():
            break
        closed.first.click()
    thumb = page.locator(slider_selector(key)).first
    thumb.wait_for(state="visible")
    return thumb


def require_chromium() -> str:
    """Debian's Chromium with Playwright to drive it, or a loud skip (CI makes it a failure)."""
    import pytest

    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip(
            f"{SKIP_PREFIX} the playwright package is not installed — browser tests did not run"
        )
    path = find_chromium()
    if path is None:
        pytest.skip(missing_chromium_reason())
    return path


@contextlib.contextmanager
def chromium_page(chromium: str, viewport: dict, timeout_ms: float = 60_000) -> Iterator:
    """A page of a fresh headless Chromium at ``viewport``, closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch_chromium(pw, chromium)
        try:
            page = browser.new_page(viewport=viewport)
            page.set_default_timeout(timeout_ms)
            yield page
        finally:
            browser.close()


@contextlib.contextmanager
def app_in_chromium(viewport: dict, timeout_ms: float = 60_000) -> Iterator[tuple]:
    """A fresh server for app.py and a Chromium page on it: ``(server, page)``."""
    chromium = require_chromium()
    from playwright.sync_api import sync_playwright

    with streamlit_server(ROOT / "app.py", timeout=90) as server, sync_playwright() as pw:
        browser = launch_chromium(pw, chromium)
        try:
            page = browser.new_page(viewport=viewport)
            page.set_default_timeout(timeout_ms)
            yield server, page
        finally:
            browser.close()


# Keeps, base64, every WebSocket message from the server from now on: the page's socket is
# already open, so each message is caught when Streamlit's handler reads its data.
RECORD_MESSAGES = """() => {
  window.received = [];
  if (window.recording) return;
  window.recording = true;
  const get = Object.getOwnPropertyDescriptor(MessageEvent.prototype, "data").get;
  Object.defineProperty(MessageEvent.prototype, "data", { configurable: true, get() {
    const value = get.call(this);
    if (this.target instanceof WebSocket && value instanceof ArrayBuffer && !this.kept) {
      this.kept = true;
      let text = "";
      for (const byte of new Uint8Array(value)) text += String.fromCharCode(byte);
      window.received.push(btoa(text));
    }
    return value;
  } });
}"""


# Records the map's Plotly.react, Plotly.animate and Plotly.relayout calls from now on: for
# a react, whether it was handed a config; for an animate of an update (not of the player's
# frames), the traces it updates, by meta; for a relayout, the attributes it sets.
RECORD_DRAWS = """(sel) => {
  const gd = document.querySelector(sel);
  const { react, animate, relayout } = window.Plotly;
  window.draws = [];
  window.Plotly.react = function (div, figure, ...rest) {
    window.draws.push(["react", figure?.config !== undefined]);
    return react.call(this, div, figure, ...rest);
  };
  window.Plotly.animate = function (div, update, ...rest) {
    if (update?.traces && !Array.isArray(update)) {
      window.draws.push(["animate", update.traces.map((i) => gd.data[i].meta)]);
    }
    return animate.call(this, div, update, ...rest);
  };
  window.Plotly.relayout = function (div, update, ...rest) {
    window.draws.push(["relayout", Object.keys(update)]);
    return relayout.call(this, div, update, ...rest);
  };
}"""


def received_messages(page) -> list:
    """The server's messages (``ForwardMsg``) since ``RECORD_MESSAGES`` ran in ``page``."""
    import base64

    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    return [ForwardMsg.FromString(base64.b64decode(m)) for m in page.evaluate("received")]


def runs_started(messages: list) -> list[list[str]]:
    """The fragments each run among ``messages`` named; an empty list is a full run."""
    return [list(m.metadata.run.fragment_ids) for m in messages if m.HasField("new_session")]
