"""The map's player and pointer in Chromium (ui/plotly_element.js): speed, play-on across a
redraw, a click versus a drag, and the embed options kept in the address bar.

Time is Playwright's fake clock (``page.clock``): it runs as usual while the app loads, then
stands still, and the test moves it by hand. Plotly's animation loop steps a frame when
``Date.now()`` has passed the frame's duration, checked on every ``requestAnimationFrame``,
both of which the clock fakes: the frames a played span shows are counted, not timed.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlparse

import pytest
from e2e_support import DESKTOP, MAP_SELECTOR, address, chromium_page, slider_thumb, wait_until_idle

from ui.figures import player

pytestmark = pytest.mark.browser

TIMEOUT_MS = 60_000
PLAY = ".st-key-map .pg-play"
SPEED = ".st-key-map .pg-speed"
STEP = ".st-key-map .pg-step"  # the player's step slider: its value is the frame shown
PLOT_AREA = f"{MAP_SELECTOR} .xy .nsewdrag"
FRAME = 16  # ms: the fake clock's requestAnimationFrame period

# The player as the element keeps it on its root (``root.player``).
PLAYER = """() => {
  const p = document.querySelector(".st-key-map .pg-root").player;
  return { index: p.index, step: p.frames[p.index]?.name, playing: p.playing, ready: p.ready,
           figureNo: p.figureNo };
}"""
# The map's paths as drawn: they change when a slider does.
PATHS = "(sel) => JSON.stringify(document.querySelector(sel).data.map((t) => [t.x, t.y]))"


@pytest.fixture
def page(chromium_path: str, server):
    with chromium_page(chromium_path, DESKTOP, TIMEOUT_MS) as page:
        page.clock.install()  # runs as a real clock until paused
        yield page


def open_app(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(PLAY)
    wait_until_idle(page)
    page.wait_for_function(f"() => Number(document.querySelector('{STEP}').max) > 0")


def stop_the_clock(page) -> None:
    page.clock.pause_at(page.evaluate("Date.now()") + 1000)


def frame_index(page) -> int:
    return int(page.locator(STEP).input_value())


def run_until(page, condition: str, most_ms: int = 30_000) -> dict:
    """Move the stopped clock a frame at a time until ``condition`` (JS) holds; the player.

    The app's own reruns need the clock (Streamlit commits a slider's value on a timer);
    the server answers in real time between the frames."""
    for _ in range(most_ms // FRAME):
        page.clock.run_for(FRAME)
        if page.evaluate(condition):
            return page.evaluate(PLAYER)
    pytest.fail(f"not reached in {most_ms} ms of the page's time: {condition}")


def test_the_speed_selector_sets_the_frames_per_second(page, server) -> None:
    """In a played span of T ms a speed s shows about T·s / FRAME_MS frames (each frame's
    duration is FRAME_MS / s, rounded up to the next animation frame: at most 16/15 long)."""
    open_app(page, server.url)
    stop_the_clock(page)
    span = 960
    for speed in ("1", "2", "4", "0.5", "0.25"):  # every option of the selector
        page.locator(STEP).fill("0")  # pauses, back to the first frame
        page.locator(SPEED).select_option(speed)
        page.locator(PLAY).click()
        page.clock.run_for(span)
        shown = frame_index(page)
        page.locator(PLAY).click()  # pause
        expected = span * float(speed) / player.FRAME_MS
        assert expected / 1.15 - 1 <= shown <= expected + 1, (speed, shown, expected)
        assert page.evaluate(PLAYER)["playing"] is False
    # Paused, the clock may run on: the step stays.
    held = frame_index(page)
    page.clock.run_for(span)
    assert frame_index(page) == held > 0


# Notes, at each new figure's frames, the step shown before and after they are loaded.
WATCH_LOADS = """() => {
  const p = document.querySelector(".st-key-map .pg-root").player;
  const load = p.load;
  const step = () => p.frames[p.index]?.name;
  window.loads = [];
  p.load = (frames) => {
    const before = step();
    load(frames);
    window.loads.push([before, step()]);
  };
}"""


def test_playback_goes_on_from_the_same_step_across_a_redraw(page, server) -> None:
    """README: "Move η while it plays and the race redraws at the same step and plays on"."""
    open_app(page, server.url)
    thumb = slider_thumb(page, "hp_gd_lr")
    wait_until_idle(page)
    stop_the_clock(page)
    page.evaluate(WATCH_LOADS)
    page.locator(SPEED).select_option("0.25")  # a frame per 240 ms: the rerun's frames do not
    page.locator(PLAY).click()  # move it on much
    page.clock.run_for(10 * 4 * player.FRAME_MS)
    before = page.evaluate(PLAYER)
    assert before["playing"] and before["index"] >= 8
    paths = page.evaluate(PATHS, MAP_SELECTOR)
    thumb.press("ArrowRight")
    loaded = run_until(page, f"({PLAYER})().figureNo > {before['figureNo']} && ({PLAYER})().ready")
    assert page.evaluate(PATHS, MAP_SELECTOR) != paths  # the new race is drawn
    assert loaded["playing"], "playback stopped at the redraw"
    ((shown, kept),) = page.evaluate("window.loads")
    assert kept == shown and int(shown) >= int(before["step"]), (before, shown, kept)
    page.clock.run_for(10 * 4 * player.FRAME_MS)
    after = page.evaluate(PLAYER)
    assert after["playing"] and after["index"] >= loaded["index"] + 8


# Every message the page sends the server from now on, base64: the map's clicks go as the
# trigger values of its element.
RECORD_SENT = """() => {
  window.sent = [];
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    const bytes = ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
    let text = "";
    for (const byte of bytes) text += String.fromCharCode(byte);
    window.sent.push(btoa(text));
    return send.call(this, data);
  };
}"""


def sent_clicks(page) -> list[tuple[float, float]]:
    """The points of the map's click events the page has sent, in order."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    points = []
    for text in page.evaluate("window.sent"):
        message = BackMsg.FromString(base64.b64decode(text))
        for widget in message.rerun_script.widget_states.widgets:
            if widget.id.endswith("map__events") and widget.json_trigger_value:
                for event in json.loads(widget.json_trigger_value):
                    if event["event"] == "click":
                        points.append((event["value"]["x"], event["value"]["y"]))
    return points


def data_point(page, client_x: float, client_y: float) -> tuple[float, float]:
    """The map's data coordinates under a point of the page, from its axes' ranges."""
    box = page.locator(PLOT_AREA).bounding_box()
    (xlo, xhi), (ylo, yhi) = page.evaluate(
        "(sel) => { const l = document.querySelector(sel)._fullLayout;"
        " return [l.xaxis.range, l.yaxis.range]; }",
        MAP_SELECTOR,
    )
    return (
        xlo + (client_x - box["x"]) / box["width"] * (xhi - xlo),
        yhi - (client_y - box["y"]) / box["height"] * (yhi - ylo),
    )


def near(page, point: tuple[float, float]):
    """``point`` to within a pixel and a half of the map (events' coordinates are whole
    pixels) and the app's rounding to 3 decimals."""
    box = page.locator(PLOT_AREA).bounding_box()
    (xlo, xhi), _ = page.evaluate(
        "(sel) => { const l = document.querySelector(sel)._fullLayout;"
        " return [l.xaxis.range, l.yaxis.range]; }",
        MAP_SELECTOR,
    )
    return pytest.approx(point, abs=1.5 * (xhi - xlo) / box["width"] + 5e-4)


def mouse_drag(page, start: tuple[float, float], by: tuple[float, float]) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(start[0] + by[0], start[1] + by[1], steps=4)
    page.mouse.up()


# A pen put down at one point and lifted at another, as pointer events on the map. Real
# input never reaches the element's own 8 px rule past a drag: Plotly takes a mouse moved
# more than its MINDRAG (8 px) as a drag, and the browser cancels a finger that scrolls.
PEN = """([sel, from, to]) => {
  const target = document.querySelector(sel);
  const at = ([x, y]) => ({ clientX: x, clientY: y, pointerType: "pen", pointerId: 7,
                            bubbles: true, cancelable: true, isPrimary: true });
  target.dispatchEvent(new PointerEvent("pointerdown", at(from)));
  target.dispatchEvent(new PointerEvent("pointerup", at(to)));
}"""


def wait_for_start(page, before: str) -> tuple[float, float]:
    """The start point once the link's x0 differs from ``before``."""
    page.wait_for_function(
        "(before) => new URLSearchParams(location.search).get('x0') !== before", arg=before
    )
    wait_until_idle(page)
    query = parse_qs(urlparse(address(page)).query)
    return float(query["x0"][0]), float(query["y0"][0])


def test_a_small_movement_is_a_click_and_a_drag_is_not(page, server) -> None:
    """A press lifted within 8 px of where it went down sets the start there; farther, it
    is a drag (the mouse zooms the map) and the start stays."""
    open_app(page, server.url)
    page.evaluate(RECORD_SENT)
    box = page.locator(PLOT_AREA).bounding_box()
    ranges = "(sel) => JSON.stringify(document.querySelector(sel)._fullLayout.xaxis.range)"

    press = (box["x"] + 0.7 * box["width"], box["y"] + 0.6 * box["height"])
    released = (press[0] + 5, press[1] + 4)  # 6.4 px away: a click where it is lifted
    expected = data_point(page, *released)
    within = near(page, expected)
    mouse_drag(page, press, (5, 4))
    start = wait_for_start(page, parse_qs(urlparse(address(page)).query)["x0"][0])
    assert start == within
    # (a press within Plotly's double-click time of the last would reset the zoom instead)
    box = page.locator(PLOT_AREA).bounding_box()  # the whole page reran: the map may move
    corner = (box["x"] + 0.3 * box["width"], box["y"] + 0.3 * box["height"])
    zoom = page.evaluate(ranges, MAP_SELECTOR)
    mouse_drag(page, corner, (30, 30))  # a drag: Plotly zooms to the box
    page.wait_for_function(f"(z) => ({ranges})('{MAP_SELECTOR}') !== z", arg=zoom)
    x0 = parse_qs(urlparse(address(page)).query)["x0"][0]
    pen = (box["x"] + 0.4 * box["width"], box["y"] + 0.7 * box["height"])
    page.evaluate(PEN, [PLOT_AREA, pen, (pen[0] + 9, pen[1] + 9)])  # 12.7 px: not a tap
    tap = (pen[0] + 4, pen[1] + 4)  # 5.7 px: a tap
    expected_tap = near(page, data_point(page, *tap))
    page.evaluate(PEN, [PLOT_AREA, pen, tap])
    assert wait_for_start(page, x0) == expected_tap
    clicks = sent_clicks(page)  # none for the mouse's drag nor for the pen's
    assert clicks == [within, expected_tap], clicks


EMBED = {"embed": ["true"], "embed_options": ["show_toolbar"]}


def test_the_embed_options_stay_in_the_address_bar_after_moves(page, server) -> None:
    """Streamlit's ``embed`` and ``embed_options`` say how the page is shown: the element
    writes the scene's query after every move and keeps them, once each."""
    open_app(page, server.url + "?embed=true&embed_options=show_toolbar")
    thumb = slider_thumb(page, "hp_gd_lr")
    for key in ("ArrowRight", "ArrowRight"):
        thumb.press(key)
        lr = thumb.get_attribute("aria-valuetext")
        page.wait_for_function(
            "(lr) => new URLSearchParams(location.search).get('gd.lr') === lr", arg=lr
        )
        wait_until_idle(page)
        query = parse_qs(urlparse(address(page)).query)
        assert {k: query.get(k) for k in EMBED} == EMBED and query["gd.lr"] == [lr]
    page.locator(PLAY).click()  # the player's own controls leave the query as it is
    page.locator(STEP).fill("30")
    box = page.locator(PLOT_AREA).bounding_box()
    page.mouse.click(box["x"] + 0.25 * box["width"], box["y"] + 0.75 * box["height"])
    wait_for_start(page, parse_qs(urlparse(address(page)).query)["x0"][0])
    query = parse_qs(urlparse(address(page)).query)
    assert {k: query.get(k) for k in EMBED} == EMBED and query["gd.lr"] == [lr]
    assert float(query["x0"][0]) < 0 and float(query["y0"][0]) < 0  # where it was clicked


def test_a_click_on_the_map_leaves_the_sidebar_closed_and_the_map_its_size(page, server):
    open_app(page, server.url)
    before = page.locator(PLOT_AREA).bounding_box()
    page.mouse.click(before["x"] + 0.7 * before["width"], before["y"] + 0.6 * before["height"])
    wait_for_start(page, parse_qs(urlparse(address(page)).query)["x0"][0])
    after = page.locator(PLOT_AREA).bounding_box()
    assert after["width"] == pytest.approx(before["width"], abs=1)


# Every frame of the player as it shows it: its traces' points and markers.
FRAMES = """() => JSON.stringify(
  document.querySelector(".st-key-map .pg-root").player.frames.map((f) => [f.name, f.data]))"""


def test_the_frames_are_the_same_where_the_browser_cannot_decode_base64_itself(
    chromium_path: str, server
) -> None:
    """The runs' arrays arrive as base64 (plotly's typed-array specs). A browser without
    ``Uint8Array.fromBase64`` (Chrome before 140, Firefox before 133) decodes them in a
    loop: its frames are the same, to the last bit."""
    frames = {}
    for native in (True, False):
        with chromium_page(chromium_path, DESKTOP, TIMEOUT_MS) as page:
            if not native:
                page.add_init_script("delete Uint8Array.fromBase64")
            open_app(page, server.url)
            page.wait_for_function(f"() => ({PLAYER})().ready")
            assert page.evaluate("typeof Uint8Array.fromBase64 === 'function'") is native
            frames[native] = json.loads(page.evaluate(FRAMES))
    assert len(frames[True]) > 100
    assert frames[False] == frames[True]
