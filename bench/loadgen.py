"""Simulated students that speak Streamlit's own websocket protocol, many to one event loop.

    report = run_load_sync("http://127.0.0.1:8501/", students=30, duration_s=60)
    print(report.p50, report.p95, report.errors)

Each student does what the browser does with the playground (read from Streamlit 1.67's
server, ``streamlit/web/server/starlette/``, and its frontend bundle, ``streamlit/static``):

1. ``GET`` the page, ``_stcore/health`` and ``_stcore/host-config``, keeping every cookie.
   The health check is what sets the ``_streamlit_xsrf`` cookie; a proxy in front may add
   its own (a sticky-session cookie, say).
2. Opens ``ws(s)://host[:port]/<prefix>/_stcore/stream`` with those cookies, the page's
   ``Origin`` and the subprotocols ``["streamlit", <value of the _streamlit_xsrf cookie>]``:
   the frontend passes the XSRF token as the second ``Sec-WebSocket-Protocol`` entry (a
   third would be a session id to reconnect to). The server only selects ``streamlit``.
3. Sends ``BackMsg.rerun_script``, a ``ClientState`` with the page's query string, an empty
   page name (``Page.page_name``: another page's URL path) and page script hash (the server
   runs the default page), no widget states and
   no cached message hashes, so the server never sends an element as a ``ref_hash``
   reference to a browser cache this client does not keep. The page has loaded at the
   first successful ``script_finished`` (a run the app cut short with ``st.rerun`` does not
   count).
4. Keeps every widget's value as the frontend does: the value a ``delta`` sets (when the
   element says ``set_value``), else the one it already holds, else the element's default;
   a stateful expander (``st.expander(key=…, on_change=…)``) only once it was toggled.
   Widgets the last run did not draw are dropped.
5. Every ``uniform(*interval)`` seconds moves one of the playground's hyperparameter sliders
   (``Page.move``) to a random value it offers and sends ``rerun_script`` with the state of
   every widget of the last run, the page script hash and the query string the page last put
   in the URL (``page_info_changed``); the rerun's latency runs from sending to its
   ``script_finished``. The sliders are the design element's (``ui/design_element.js``): a
   move is its trigger ``move``, as its range input sends it. A page without that element
   (Streamlit's widgets in its place) moves a widget slider (user keys ``hp_…``), or opens a
   closed stateful expander that hides them. A student that is still waiting for a rerun
   when its next move is due moves as soon as the map is back, as a learner watching the map
   would.
6. When its connection drops (the server restarted, a replica died), ``Page.reconnect``
   brings the page back as the frontend does: it polls until a server answers, opens a new
   websocket with the cookies it holds, and reruns with the last query string and every
   widget's state.

Students never raise: a refused or dropped connection, a timeout, an exception element, a
failed or missing run, a slider the server did not take, or a message the browser would
not expect all end up in ``StudentResult.errors``. Custom elements (the components-v2 map)
but the design's and every other message are ignored. Nothing here runs in a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import math
import random
import ssl
import time
import urllib.parse
from collections.abc import Sequence

import numpy as np
from streamlit.components.v2.bidi_component.main import EVENT_DELIM
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.Slider_pb2 import Slider
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.runtime.state.session_state import STREAMLIT_INTERNAL_KEY_PREFIX
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.typing import Origin, Subprotocol

# Sliders a student moves: the playground's hyperparameters (ui.state.hp_key), in the design
# element (its key: pages/playground.py's DESIGN) or as Streamlit's widgets.
SLIDER_KEY_PREFIX = "hp_"
DESIGN_KEY = "sliders"
MOVE_EVENT = "move"  # the design element's trigger (ui/design_element.js)
# What shows the page loaded as the playground: its map and the racing optimizers' sliders
# (the sidebar's controls, the optimizer picker among them, come only once it is opened).
LOADED_KEYS = ("map", DESIGN_KEY)
USER_AGENT = "optimizer-playground-loadgen (Streamlit websocket protocol)"
# The frontend's token when the server sets no XSRF cookie (XSRF protection off).
NO_XSRF_TOKEN = "PLACEHOLDER_AUTH_TOKEN"
# Widgets whose value the frontend keeps and sends with every rerun; buttons only send
# triggers when clicked, custom components (the map) nothing unless the learner clicks.
_WIDGET_KINDS = {
    "slider",
    "selectbox",
    "radio",
    "multiselect",
    "checkbox",
    "number_input",
    "text_input",
    "text_area",
}
_SUCCESS = {
    ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY,
    ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
}


@dataclasses.dataclass
class StudentResult:
    """What one simulated student saw.

    Attributes:
      student: the student's number, 0-based.
      latencies: seconds from sending each move (a slider, or opening a panel) to its
        ``script_finished``; one per completed rerun, the page load not included.
      load_time: seconds from the websocket opening to the first successful
        ``script_finished``, or ``None`` if the page never loaded.
      errors: one human-readable line per problem (see the module doc).
      reruns: completed reruns after the page load.
    """

    student: int
    latencies: list[float] = dataclasses.field(default_factory=list)
    load_time: float | None = None
    errors: list[str] = dataclasses.field(default_factory=list)
    reruns: int = 0


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else math.nan


@dataclasses.dataclass
class LoadReport:
    """Every student's result and the run's wall-clock time in seconds."""

    students: list[StudentResult]
    duration_s: float

    @property
    def latencies(self) -> list[float]:
        """Every rerun latency of every student, in seconds."""
        return [t for s in self.students for t in s.latencies]

    @property
    def errors(self) -> list[str]:
        """Every error, each prefixed with its student."""
        return [f"student {s.student}: {e}" for s in self.students for e in s.errors]

    @property
    def p50(self) -> float:
        """Median rerun latency in seconds (nan without reruns)."""
        return _percentile(self.latencies, 50)

    @property
    def p95(self) -> float:
        """95th percentile of the rerun latency in seconds (nan without reruns)."""
        return _percentile(self.latencies, 95)

    @property
    def reruns(self) -> int:
        """Completed reruns of all students."""
        return sum(s.reruns for s in self.students)


class StudentError(Exception):
    """A problem that ends a student's session; its message goes to ``errors``."""


# --- HTTP: just enough of a browser to collect the cookies --------------------------------


async def _http_get(url: str, cookies: dict[str, str]) -> tuple[int, list[tuple[str, str]]]:
    """Status and headers of ``GET url``; the body is read and dropped."""
    parts = urllib.parse.urlsplit(url)
    https = parts.scheme == "https"
    context = ssl.create_default_context() if https else None
    reader, writer = await asyncio.open_connection(
        parts.hostname, parts.port or (443 if https else 80), ssl=context
    )
    try:
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        lines = [
            f"GET {target} HTTP/1.1",
            f"Host: {parts.netloc}",
            f"User-Agent: {USER_AGENT}",
            "Accept: */*",
            "Connection: close",  # so the body ends at EOF, chunked or not
        ]
        if cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        head = await reader.readuntil(b"\r\n\r\n")
        while await reader.read(1 << 16):
            pass
    finally:
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError):
            await writer.wait_closed()
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = []
    for line in header_lines:
        name, sep, value = line.partition(":")
        if sep:
            headers.append((name.strip().lower(), value.strip()))
    return int(status_line.split()[1]), headers


async def browser_cookies(
    base_url: str, cookies: dict[str, str] | None = None
) -> tuple[str, dict[str, str]]:
    """The page's final URL (after redirects) and the cookies a browser holds once it loads it.

    ``cookies`` are the ones the browser already holds (a proxy's sticky cookie, say).
    """
    cookies = dict(cookies or {})
    url = base_url
    for path in ("", "_stcore/health", "_stcore/host-config"):
        target = urllib.parse.urljoin(url, path)
        for _ in range(5):  # a proxy may redirect /prefix to /prefix/
            status, headers = await _http_get(target, cookies)
            for name, value in headers:
                if name == "set-cookie":
                    key, _, val = value.split(";", 1)[0].partition("=")
                    cookies[key.strip()] = val.strip()
            location = next((v for n, v in headers if n == "location"), None)
            if status in (301, 302, 303, 307, 308) and location:
                target = urllib.parse.urljoin(target, location)
                continue
            break
        if status != 200:
            raise StudentError(f"GET {target} answered HTTP {status}")
        if not path:
            url = target
    return url, cookies


def stream_url(page_url: str) -> str:
    """The websocket address of the app whose page is ``page_url`` (keeps a path prefix)."""
    parts = urllib.parse.urlsplit(page_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    prefix = parts.path if parts.path.endswith("/") else parts.path.rsplit("/", 1)[0] + "/"
    return urllib.parse.urlunsplit((scheme, parts.netloc, prefix + "_stcore/stream", "", ""))


# --- widgets, as the frontend keeps them --------------------------------------------------


def user_key(element_id: str) -> str | None:
    """The user key in a widget id such as ``$$ID-<hash>-hp_adam_lr``, if it has one."""
    if not element_id.startswith("$$ID-"):
        return None
    key = element_id.split("-", 2)[2]
    return None if key == "None" else key


def _optional(proto, name: str):
    return getattr(proto, name) if proto.HasField(name) else None


def widget_state(kind: str, element, held: WidgetState | None) -> WidgetState | None:
    """The state the frontend holds for a widget element after drawing it.

    ``element`` is the element's proto (``Element.<kind>``), ``held`` the state from the
    previous run. ``None`` for elements that hold no state between reruns (buttons, custom
    components) and for widgets without a value.
    """
    if kind not in _WIDGET_KINDS:
        return None
    if not element.set_value and held is not None:
        return held
    state = WidgetState(id=element.id)
    if kind == "slider" and element.type == Slider.Type.SELECT_SLIDER:
        values = list(element.raw_value) if element.set_value else []
        state.string_array_value.data.extend(
            values or [element.options[int(i)] for i in element.default]
        )
    elif kind == "slider":
        values = element.value if element.set_value else element.default
        state.double_array_value.data.extend(values)
    elif kind in ("selectbox", "radio"):
        value = _optional(element, "raw_value") if element.set_value else None
        index = _optional(element, "default")
        if value is None and index is not None and element.options:
            value = element.options[index]
        if value is None:
            return None
        state.string_value = value
    elif kind == "multiselect":
        values = element.raw_values if element.set_value else None
        values = [element.options[i] for i in element.default] if values is None else values
        state.string_array_value.data.extend(values)
    elif kind == "checkbox":
        state.bool_value = element.value if element.set_value else element.default
    elif kind == "number_input":
        value = _optional(element, "value")
        value = _optional(element, "default") if value is None else value
        if value is None:
            return None
        if element.data_type == NumberInput.DataType.INT:
            state.int_value = int(value)
        else:
            state.double_value = value
    elif kind in ("text_input", "text_area"):
        value = _optional(element, "value") if element.set_value else None
        value = _optional(element, "default") if value is None else value
        if value is None:
            return None
        state.string_value = value
    return state


@dataclasses.dataclass
class SliderChoice:
    """A slider a student can move: its id and how to draw a value it offers."""

    id: str
    element: Slider

    def random_state(self, rng: random.Random, current: WidgetState | None) -> WidgetState:
        """A state holding a value the slider offers, other than the current one if it can."""
        el = self.element
        for _ in range(8):
            state = WidgetState(id=self.id)
            if el.type == Slider.Type.SELECT_SLIDER:
                state.string_array_value.data.append(rng.choice(el.options))
            else:
                steps = max(0, round((el.max - el.min) / el.step))
                value = min(el.max, round(el.min + rng.randint(0, steps) * el.step, 12))
                is_int = el.data_type == Slider.DataType.INT
                state.double_array_value.data.append(int(value) if is_int else value)
            if current is None or state != current:
                break
        return state


@dataclasses.dataclass
class DesignControl:
    """A control of the playground's design element: its spec (``ui.controls.design_spec``),
    its optimizer, and the value its input holds (as the browser's input does: the element
    is not drawn again after a move)."""

    optimizer: str
    spec: dict
    value: object

    @property
    def link_name(self) -> str:
        """Its name in the page's link, e.g. ``adam.lr`` for ``hp_adam_lr``."""
        return f"{self.optimizer}.{self.spec['key'].removeprefix(f'hp_{self.optimizer}_')}"

    def offers(self) -> list[object]:
        """Every value its input can send."""
        spec = self.spec
        if spec["kind"] == "checkbox":
            return [True, False]
        if spec["kind"] == "radio":
            return list(spec["choices"])
        if "values" in spec:
            return list(spec["values"])
        steps = max(0, round((spec["max"] - spec["min"]) / spec["step"]))
        return [
            min(spec["max"], round(spec["min"] + i * spec["step"], 12)) for i in range(steps + 1)
        ]

    def random_value(self, rng: random.Random) -> object:
        """A value it offers, other than the one it holds if it can."""
        others = [v for v in self.offers() if v != self.value]
        return rng.choice(others or self.offers())

    def in_link(self, query: str) -> bool:
        """Whether ``query`` (the page's link) holds the value this control holds."""
        text = urllib.parse.parse_qs(query).get(self.link_name, [None])[0]
        if text is None:
            return False
        if isinstance(self.value, bool):
            return text == ("1" if self.value else "0")
        if isinstance(self.value, int | float):
            with contextlib.suppress(ValueError):
                return math.isclose(float(text), self.value, rel_tol=1e-12)
            return False
        return text == str(self.value)


def trigger(element_id: str, event: str, value: object) -> WidgetState:
    """A components-v2 element's trigger ``event`` carrying ``value``, as its
    ``setTriggerValue`` sends it: one event of the element's trigger aggregator, a widget
    state of its own."""
    events = f"{STREAMLIT_INTERNAL_KEY_PREFIX}_{element_id}{EVENT_DELIM}events"
    state = WidgetState(id=events)
    state.json_trigger_value = json.dumps([{"event": event, "value": value}])
    return state


# --- one student's page ---------------------------------------------------------------------


class Page:
    """A connected page: reads every ForwardMsg as it comes and keeps the widgets' state."""

    def __init__(
        self,
        ws: ClientConnection,
        page_url: str,
        errors: list[str],
        cookies: dict[str, str] | None = None,
    ) -> None:
        self.ws = ws
        self.page_url = page_url
        self.errors = errors
        self.cookies = dict(cookies or {})  # what the browser holds for the page's site
        self.query_string = urllib.parse.urlsplit(page_url).query
        self.page_name = ""  # the page to run first (its URL path); "" for the default page
        self.page_script_hash = ""
        self.widgets: dict[str, WidgetState] = {}  # widget id -> state, as the frontend holds
        # Of the last run, by user key: every element id, the sliders a student may move, the
        # expanders that keep their state (closed ones may hide sliders: Streamlit draws a
        # stateful expander's content only when it is open).
        self.keys: dict[str, str] = {}
        self.sliders: dict[str, SliderChoice] = {}
        self.design: dict[str, DesignControl] = {}  # the design element's controls, by key
        self.expanders: dict[str, str] = {}
        # Of the last run: every widget that holds a value, by id: its kind and element proto.
        self.drawn: dict[str, tuple[str, object]] = {}
        self.alerts: list[str] = []  # the text of every warning, error or info drawn, in order
        self._seen: set[str] = set()  # ids of the widgets and keyed elements drawn this run
        self.fragment_of: dict[str, str] = {}  # element id -> the fragment that drew it, or ""
        self._drawn_open: dict[str, bool] = {}  # stateful expander id -> drawn open
        self._run_started = False
        self._fragment_run = False  # the current run reruns a fragment, not the page
        self._done: asyncio.Future[None] | None = None
        self._closing = False
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def open(
        cls,
        base_url: str,
        errors: list[str],
        *,
        timeout_s: float = 30.0,
        cookies: dict[str, str] | None = None,
    ) -> Page:
        """Load ``base_url`` over HTTP and open its websocket, as the browser does.

        ``cookies`` are the ones the browser holds already. Problems while the page is open
        go to ``errors``; the script has not run yet (``rerun(first=True)`` runs it).
        """
        page_url, cookies = await asyncio.wait_for(browser_cookies(base_url, cookies), timeout_s)
        parts = urllib.parse.urlsplit(page_url)
        token = cookies.get("_streamlit_xsrf", NO_XSRF_TOKEN)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}
        ws = await connect(
            stream_url(page_url),
            origin=Origin(f"{parts.scheme}://{parts.netloc}"),
            subprotocols=[Subprotocol("streamlit"), Subprotocol(token)],
            additional_headers=headers,
            user_agent_header=USER_AGENT,
            proxy=None,  # loopback only, whatever the environment says
            open_timeout=timeout_s,
            ping_interval=None,  # browsers send no pings; the server's pings are answered
            max_size=None,
        )
        return cls(ws, page_url, errors, cookies)

    async def load(self, timeout_s: float = 30.0) -> float:
        """Run the page for the first time; seconds until it finished.

        Raises ``StudentError`` unless the page drew the playground (``LOADED_KEYS``).
        """
        started = time.monotonic()
        await self.rerun(timeout_s, first=True)
        elapsed = time.monotonic() - started
        missing = self.missing_keys()
        if missing:
            raise StudentError(f"the page loaded without {', '.join(missing)}")
        return elapsed

    async def reconnect(self, timeout_s: float = 30.0, *, retry_s: float = 0.5) -> Page:
        """This page again after its connection was lost, as the frontend brings it back.

        The frontend polls the server until it answers, opens a new websocket with the
        cookies it holds and reruns the page with the address bar's query string and every
        widget's state; a server that does not know the session (this one restarted, or
        another replica) starts a new one from them. Tries every ``retry_s`` seconds for
        ``timeout_s`` seconds; raises ``StudentError`` if the page did not come back.
        Returns the new page (sharing ``errors``); this one stays closed.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        address = urllib.parse.urlsplit(self.page_url)._replace(query=self.query_string)
        while True:
            try:
                page = await Page.open(
                    urllib.parse.urlunsplit(address),
                    self.errors,
                    timeout_s=max(0.1, deadline - loop.time()),
                    cookies=self.cookies,
                )
                break
            except (OSError, InvalidHandshake, StudentError, TimeoutError) as exc:
                if loop.time() + retry_s >= deadline:
                    raise StudentError(f"no reconnect within {timeout_s:g} s: {exc!r}") from None
                await asyncio.sleep(retry_s)
        page.page_name, page.page_script_hash = self.page_name, self.page_script_hash
        page.widgets = dict(self.widgets)
        try:
            await page.rerun(max(0.1, deadline - loop.time()))
        except StudentError:
            await page.close()
            raise
        missing = page.missing_keys()
        if missing:
            await page.close()
            raise StudentError(f"the page came back without {', '.join(missing)}")
        return page

    def missing_keys(self) -> list[str]:
        """``LOADED_KEYS`` the last run drew no element for (a key ending in "_": a prefix)."""
        return [
            k
            for k in LOADED_KEYS
            if not any(key == k or (k.endswith("_") and key.startswith(k)) for key in self.keys)
        ]

    def closed_expanders(self) -> list[str]:
        """User keys of the stateful expanders that the last run drew closed."""
        return [k for k, i in self.expanders.items() if not self._drawn_open[i]]

    async def open_expander(self, key: str, timeout_s: float = 30.0) -> float:
        """Open expander ``key`` and rerun; seconds until the run finished."""
        state = WidgetState(id=self.expanders[key], bool_value=True)
        self.widgets[state.id] = state
        started = time.monotonic()
        # As the frontend does: a widget drawn by a fragment reruns that fragment only.
        await self.rerun(timeout_s, fragment_id=self.fragment_of.get(state.id, ""))
        elapsed = time.monotonic() - started
        if not self._drawn_open.get(state.id):
            self.errors.append(f"expander {key} did not open")
        return elapsed

    async def move_slider(self, key: str, state: WidgetState, timeout_s: float = 30.0) -> float:
        """Set slider ``key`` to ``state``'s value and rerun; seconds until the run finished.

        A slider that the run does not draw, or draws with another value, is an error.
        """
        self.widgets[state.id] = state
        started = time.monotonic()
        # As the frontend does: a widget drawn by a fragment reruns that fragment only.
        await self.rerun(timeout_s, fragment_id=self.fragment_of.get(state.id, ""))
        elapsed = time.monotonic() - started
        shown = self.widgets.get(state.id)
        if shown is None:
            self.errors.append(f"slider {key} was not drawn after it was moved")
        elif shown != state:
            self.errors.append(f"slider {key}: sent {_value(state)}, the run drew {_value(shown)}")
        return elapsed

    async def move_design(self, key: str, value: object, timeout_s: float = 30.0) -> float:
        """Move the design element's control ``key`` to ``value``, as its input sends it;
        seconds until the run finished. A run that leaves another value in the page's link
        is an error."""
        control = self.design[key]
        element_id = self.keys[DESIGN_KEY]
        move = trigger(element_id, MOVE_EVENT, {"key": key, "value": value})
        control.value = value
        started = time.monotonic()
        # As the frontend does: an element drawn by a fragment reruns that fragment only.
        await self.rerun(timeout_s, fragment_id=self.fragment_of.get(element_id, ""), extra=[move])
        elapsed = time.monotonic() - started
        if not control.in_link(self.query_string):
            self.errors.append(f"{key}: sent {value!r}, the link says otherwise")
        return elapsed

    async def move(self, rng: random.Random, timeout_s: float = 30.0) -> float:
        """A learner's move: a random slider of the design to a random value it offers (or a
        closed panel opened, where the sliders are widgets hidden in one); seconds until the
        run finished."""
        if self.design:
            key = rng.choice(sorted(self.design))
            return await self.move_design(key, self.design[key].random_value(rng), timeout_s)
        if self.sliders:
            key = rng.choice(sorted(self.sliders))
            slider = self.sliders[key]
            moved = slider.random_state(rng, self.widgets.get(slider.id))
            return await self.move_slider(key, moved, timeout_s)
        if closed := self.closed_expanders():
            return await self.open_expander(rng.choice(sorted(closed)), timeout_s)
        raise StudentError("no hyperparameter slider to move and no panel to open")

    async def rerun(
        self,
        timeout_s: float = 30.0,
        *,
        first: bool = False,
        fragment_id: str = "",
        extra: Sequence[WidgetState] = (),
    ) -> None:
        """Send ``rerun_script`` with every widget's state and wait for the run to finish.

        With ``fragment_id``, the server reruns that fragment only. ``extra`` states follow
        the widgets' (a fuzzer's: values, ids and duplicates no browser sends).
        """
        msg = BackMsg()
        client: ClientState = msg.rerun_script
        client.fragment_id = fragment_id
        client.query_string = self.query_string
        client.page_script_hash = self.page_script_hash
        client.page_name = self.page_name  # "": the server picks its default page
        client.widget_states.SetInParent()
        if not first:
            client.widget_states.widgets.extend(self.widgets.values())
        client.widget_states.widgets.extend(extra)
        client.context_info.timezone = "UTC"
        client.context_info.timezone_offset = 0
        client.context_info.locale = "en-US"
        # The address bar: the page with the query string the app last wrote.
        page = urllib.parse.urlsplit(self.page_url)._replace(query=self.query_string)
        client.context_info.url = urllib.parse.urlunsplit(page)
        client.context_info.color_scheme = "light"
        if self._reader.done():
            raise StudentError("connection closed before the rerun")
        self._run_started = False
        self._done = asyncio.get_running_loop().create_future()
        try:
            await self.ws.send(msg.SerializeToString())
        except ConnectionClosed as exc:
            raise StudentError(f"connection closed: {exc}") from None
        try:
            await asyncio.wait_for(asyncio.shield(self._done), timeout_s)
        except TimeoutError:
            raise StudentError(f"no script_finished within {timeout_s:g} s") from None

    async def close(self) -> None:
        """Close the websocket and stop reading."""
        self._closing = True
        with contextlib.suppress(Exception):
            await self.ws.close()
        with contextlib.suppress(Exception):
            await self._reader

    def _finish(self, error: str | None = None) -> None:
        if self._done is not None and not self._done.done():
            if error is None:
                self._done.set_result(None)
            else:
                self._done.set_exception(StudentError(error))

    async def _read(self) -> None:
        try:
            async for data in self.ws:
                if isinstance(data, str):
                    self.errors.append("unexpected text frame from the server")
                    continue
                try:
                    self._handle(data)
                except Exception as exc:  # a malformed message must not kill the reader
                    self.errors.append(f"could not handle a ForwardMsg: {exc!r}")
        except ConnectionClosed:
            pass
        finally:
            if not self._closing:
                rcvd = self.ws.close_code
                reason = self.ws.close_reason or ""
                self._finish(f"connection closed by the server (code {rcvd}) {reason}".strip())

    def _handle(self, data: bytes) -> None:
        msg = ForwardMsg()
        msg.ParseFromString(data)
        kind = msg.WhichOneof("type")
        if kind == "delta":
            delta = msg.delta.WhichOneof("type")
            if delta == "new_element":
                self._on_element(msg.delta.new_element, msg.delta.fragment_id)
            elif delta == "add_block" and msg.delta.add_block.WhichOneof("type") == "expandable":
                self._on_expander(msg.delta.add_block.expandable, msg.delta.fragment_id)
        elif kind == "new_session":
            self._run_started = True
            self._seen = set()
            # A fragment's run redraws the fragment only; the rest of the page stays. A full
            # run drops what it did not draw once it has finished, as the frontend does.
            self._fragment_run = bool(msg.metadata.run.fragment_ids)
            if not self.page_script_hash:
                self.page_script_hash = msg.new_session.page_script_hash
        elif kind == "navigation":
            # Under st.navigation the page that ran is the current page, as in the frontend.
            if msg.navigation.page_script_hash:
                self.page_script_hash = msg.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "script_finished":
            self._on_finished(msg.script_finished)
        elif kind == "session_event":
            if msg.session_event.WhichOneof("type") == "script_compilation_exception":
                exc = msg.session_event.script_compilation_exception
                self.errors.append(f"script compilation error: {exc.type}: {exc.message}")
        elif kind == "page_not_found":
            self.errors.append(f"page not found: {msg.page_not_found.page_name!r}")
        elif kind in ("ref_hash", "auth_redirect"):
            self.errors.append(f"unexpected ForwardMsg {kind}")

    def _on_element(self, element: Element, fragment_id: str = "") -> None:
        kind = element.WhichOneof("type")
        if kind == "exception":
            exc = element.exception
            label = "warning" if exc.is_warning else "exception"
            self.errors.append(f"{label} element: {exc.type}: {exc.message[:200]}")
            return
        proto = getattr(element, kind)
        if kind == "alert":
            self.alerts.append(proto.body)
        element_id = getattr(proto, "id", "")
        if not isinstance(element_id, str) or not element_id:
            return
        key = user_key(element_id)
        if key is not None:
            self.keys[key] = element_id
            self._seen.add(element_id)
        self.fragment_of[element_id] = fragment_id
        if kind == "bidi_component" and key == DESIGN_KEY:
            cards = json.loads(proto.json).get("cards") or []
            self.design = {
                c["key"]: DesignControl(card["name"], c, c["value"])
                for card in cards
                for c in card["controls"]
            }
        state = widget_state(kind, proto, self.widgets.get(element_id))
        if state is None:
            return
        self._seen.add(element_id)
        self.widgets[element_id] = state
        self.drawn[element_id] = (kind, proto)
        if kind == "slider" and key is not None and key.startswith(SLIDER_KEY_PREFIX):
            self.sliders[key] = SliderChoice(element_id, proto)

    def _on_expander(self, block, fragment_id: str = "") -> None:
        if not block.HasField("id"):
            return  # a plain expander: the browser keeps its state to itself
        self.fragment_of[block.id] = fragment_id
        expanded = block.expanded if block.HasField("expanded") else block.default_expanded
        # The frontend holds a stateful expander's state once the learner toggled it, or
        # once a run draws it other than the run before; not when it is first drawn.
        before = self._drawn_open.get(block.id)
        if block.id in self.widgets or (before is not None and before != expanded):
            self.widgets[block.id] = WidgetState(id=block.id, bool_value=expanded)
        self._drawn_open[block.id] = expanded
        self._seen.add(block.id)
        key = user_key(block.id)
        if key is not None:
            self.keys[key] = self.expanders[key] = block.id

    def _on_finished(self, status: int) -> None:
        if status in _SUCCESS:
            if not self._run_started:
                return  # the end of a run before the one we asked for
            # The frontend drops the elements, and the state of widgets, that the last full
            # run did not draw.
            if not self._fragment_run:
                seen = self._seen
                self.widgets = {i: s for i, s in self.widgets.items() if i in seen}
                self.keys = {k: i for k, i in self.keys.items() if i in seen}
                if DESIGN_KEY not in self.keys:
                    self.design = {}
                self.sliders = {k: c for k, c in self.sliders.items() if c.id in seen}
                self.expanders = {k: i for k, i in self.expanders.items() if i in seen}
                self.fragment_of = {i: f for i, f in self.fragment_of.items() if i in seen}
                self.drawn = {i: d for i, d in self.drawn.items() if i in seen}
            self._finish()
        elif status == ForwardMsg.ScriptFinishedStatus.FINISHED_WITH_COMPILE_ERROR:
            self._finish("script finished with a compile error")
        # FINISHED_EARLY_FOR_RERUN: the app called st.rerun; the next run follows.


async def _student(
    number: int,
    base_url: str,
    *,
    start_s: float,
    duration_s: float,
    interval: tuple[float, float],
    rng: random.Random,
    timeout_s: float,
    moves: int | None = None,
) -> StudentResult:
    result = StudentResult(number)
    loop = asyncio.get_running_loop()
    page: Page | None = None
    try:
        await asyncio.sleep(start_s)
        page = await Page.open(base_url, result.errors, timeout_s=timeout_s)
        opened = loop.time()
        result.load_time = await page.load(timeout_s)
        end = opened + duration_s
        next_move = loop.time() + rng.uniform(*interval)
        while next_move < end and (moves is None or result.reruns < moves):
            await asyncio.sleep(max(0.0, next_move - loop.time()))
            sent = loop.time()
            latency = await page.move(rng, timeout_s)
            result.latencies.append(latency)
            result.reruns += 1
            # Due interval seconds after the last move, but not before the map is back.
            next_move = max(sent + rng.uniform(*interval), loop.time())
    except StudentError as exc:
        result.errors.append(str(exc))
    except InvalidStatus as exc:
        result.errors.append(f"websocket handshake refused: HTTP {exc.response.status_code}")
    except (OSError, InvalidHandshake) as exc:
        result.errors.append(f"connection failed: {exc!r}")
    except TimeoutError:
        result.errors.append(f"connection timed out after {timeout_s:g} s")
    except Exception as exc:  # never let one student take the run down
        result.errors.append(f"unexpected {exc!r}")
    finally:
        if page is not None:
            await page.close()
    return result


def _value(state: WidgetState) -> str:
    field = state.WhichOneof("value")
    value = getattr(state, field) if field else None
    return str(list(value.data)) if hasattr(value, "data") else str(value)


async def run_load(
    base_url: str,
    students: int,
    duration_s: float,
    *,
    interval: tuple[float, float] = (2.0, 4.0),
    seed: int = 0,
    ramp_s: float = 5.0,
    timeout_s: float = 30.0,
    moves: int | None = None,
) -> LoadReport:
    """Run ``students`` simulated students against the app at ``base_url``.

    Student ``i`` starts ``i * ramp_s / students`` seconds in, loads the page, then moves a
    slider every ``uniform(*interval)`` seconds until ``duration_s`` seconds after its
    websocket opened, or until it has made ``moves`` moves (what a test counts; its
    ``duration_s`` is then a guard against a hang). ``timeout_s`` bounds each wait (HTTP,
    handshake, every run); a student whose wait times out stops. The same ``seed`` replays the same
    moves.
    """
    started = time.monotonic()
    tasks = [
        _student(
            i,
            base_url,
            start_s=i * ramp_s / max(students, 1),
            duration_s=duration_s,
            interval=interval,
            rng=random.Random(f"{seed}/{i}"),
            timeout_s=timeout_s,
            moves=moves,
        )
        for i in range(students)
    ]
    results = await asyncio.gather(*tasks)
    return LoadReport(list(results), time.monotonic() - started)


def run_load_sync(base_url: str, students: int, duration_s: float, **kwargs) -> LoadReport:
    """``run_load`` in a fresh event loop (not from inside a running one)."""
    return asyncio.run(run_load(base_url, students, duration_s, **kwargs))
