"""The load generator (bench/loadgen.py) against the real app, and its browser-like HTTP part.

Functional, not timed: the benchmark (bench/bench_load.py) measures.
"""

from __future__ import annotations

import asyncio
import math
import socket

import pytest
from e2e_support import ROOT, StreamlitServer
from websockets.asyncio.server import serve
from websockets.datastructures import Headers
from websockets.http11 import Response

from bench import loadgen


@pytest.fixture(scope="module")
def server():
    with StreamlitServer(ROOT / "app.py") as running:
        yield running


MOVES = 3
HANG_GUARD_S = 120  # the students' duration when they count moves: only a guard


def test_students_load_the_playground_and_rerun_it(server):
    report = loadgen.run_load_sync(
        server.url,
        students=3,
        duration_s=HANG_GUARD_S,
        interval=(0.2, 0.5),
        ramp_s=0.5,
        moves=MOVES,
    )
    assert report.errors == [], server.log_tail()
    assert [s.student for s in report.students] == [0, 1, 2]
    for student in report.students:
        assert student.load_time is not None and student.load_time > 0
        assert student.reruns == MOVES
        assert len(student.latencies) == student.reruns
        assert all(math.isfinite(t) and t > 0 for t in student.latencies)
    assert report.reruns == sum(s.reruns for s in report.students)
    assert 0 < report.p50 <= report.p95 <= max(report.latencies)


def test_a_moved_slider_reaches_the_scene_in_the_url(server):
    """The server applies the value a student sends: the page writes it into the URL."""

    async def move() -> tuple[str, list[str], list[str]]:
        errors: list[str] = []
        page = await loadgen.Page.open(server.url, errors)
        try:
            await page.load()
            lr, beta = page.design["hp_adam_lr"], page.design["hp_momentum_beta"]
            assert lr.value == 0.05 and lr.link_name == "adam.lr"
            value = next(v for v in lr.offers() if f"adam.lr={v}&" not in page.query_string)
            await page.move_design("hp_adam_lr", value)
            assert 0.5 in beta.offers()  # a grid on 1 − β
            await page.move_design("hp_momentum_beta", 0.5)
            await page.move_design("hp_adam_bias_correction", False)
            await page.move_design("hp_adam_lr", 1e9)  # not a value the slider offers
            return str(value), page.query_string, errors
        finally:
            await page.close()

    value, query, errors = asyncio.run(move())
    assert f"adam.lr={value}&" in query
    assert "momentum.beta=0.5&" in query and "adam.bias_correction=0&" in query
    # the refused move: the link keeps the value before it, and the student says so
    assert errors == ["hp_adam_lr: sent 1000000000.0, the link says otherwise"]


def test_a_closed_port_is_a_connection_error_not_an_exception():
    # A port bound and held, not listening: refused, and nobody else can take it meanwhile.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
        report = loadgen.run_load_sync(url, students=2, duration_s=1, ramp_s=0, timeout_s=5)
    assert len(report.students) == 2
    for student in report.students:
        assert student.load_time is None and student.reruns == 0
        assert len(student.errors) == 1 and "connection" in student.errors[0].lower()
    assert math.isnan(report.p50) and math.isnan(report.p95)


def test_cookies_follow_redirects_and_go_back_to_the_server():
    """A proxy's sticky cookie and Streamlit's XSRF cookie are kept and sent on."""
    seen: list[tuple[str, str]] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        path = head.split()[1]
        cookie = next(
            (
                line.split(":", 1)[1].strip()
                for line in head.split("\r\n")
                if ":" in line and line.lower().startswith("cookie:")
            ),
            "",
        )
        seen.append((path, cookie))
        headers = {
            "/class": ["Location: /class/", "Set-Cookie: route=b2; Path=/; HttpOnly"],
            "/class/_stcore/health": ["Set-Cookie: _streamlit_xsrf=2|ab|cd|12; Path=/"],
        }.get(path, [])
        status = "301 Moved Permanently" if path == "/class" else "200 OK"
        lines = [f"HTTP/1.1 {status}", "Content-Length: 2", "Connection: close", *headers]
        writer.write(("\r\n".join(lines) + "\r\n\r\nok").encode("latin-1"))
        await writer.drain()
        writer.close()

    async def fetch() -> tuple[str, dict[str, str]]:
        proxy = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = proxy.sockets[0].getsockname()[1]
        async with proxy:
            return await loadgen.browser_cookies(f"http://127.0.0.1:{port}/class")

    page_url, cookies = asyncio.run(fetch())
    assert page_url.endswith("/class/")
    assert cookies == {"route": "b2", "_streamlit_xsrf": "2|ab|cd|12"}
    assert seen[0] == ("/class", "")
    assert seen[1] == ("/class/", "route=b2")
    assert seen[-1] == ("/class/_stcore/host-config", "route=b2; _streamlit_xsrf=2|ab|cd|12")
    assert loadgen.stream_url(page_url) == page_url.replace("http", "ws") + "_stcore/stream"


@pytest.mark.parametrize(
    ("page", "stream"),
    [
        ("http://127.0.0.1:8501/", "ws://127.0.0.1:8501/_stcore/stream"),
        ("https://school.example/playground/", "wss://school.example/playground/_stcore/stream"),
        ("http://127.0.0.1:8501/?opt=adam", "ws://127.0.0.1:8501/_stcore/stream"),
    ],
)
def test_stream_url_keeps_the_path_prefix(page, stream):
    assert loadgen.stream_url(page) == stream


def test_the_websocket_handshake_carries_cookies_origin_and_the_xsrf_token():
    """As the frontend does: the XSRF cookie's value is the second subprotocol."""
    handshakes: list[Headers] = []

    def process_request(connection, request):
        if request.path == "/class/_stcore/stream":
            handshakes.append(request.headers)
            return None  # go on with the websocket handshake
        headers = Headers([("Content-Length", "2"), ("Connection", "close")])
        if request.path == "/class/":
            headers["Set-Cookie"] = "route=b2; Path=/"
        if request.path == "/class/_stcore/health":
            headers["Set-Cookie"] = "_streamlit_xsrf=2|ab|cd|12; Path=/"
        return Response(200, "OK", headers, b"ok")

    async def handler(websocket) -> None:
        await websocket.close()

    async def connect() -> list[str]:
        async with serve(
            handler, "127.0.0.1", 0, process_request=process_request, subprotocols=["streamlit"]
        ) as server:
            port = server.sockets[0].getsockname()[1]
            errors: list[str] = []
            page = await loadgen.Page.open(f"http://127.0.0.1:{port}/class/", errors)
            assert page.ws.subprotocol == "streamlit"
            await page.close()
            return errors

    assert asyncio.run(connect()) == []
    (headers,) = handshakes
    assert headers["Sec-WebSocket-Protocol"] == "streamlit, 2|ab|cd|12"
    assert headers["Cookie"] == "route=b2; _streamlit_xsrf=2|ab|cd|12"
    assert headers["Origin"] == f"http://{headers['Host']}"
