"""The hosted demo's hardening in .streamlit/config.toml: every option real, every cap set."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from streamlit import config as st_config

from ui import state

CONFIG = tomllib.loads(
    (Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml").read_text()
)


def options() -> list[tuple[str, object]]:
    return [
        (f"{section}.{name}", value)
        for section, values in CONFIG.items()
        for name, value in values.items()
    ]


@pytest.mark.parametrize(("option", "value"), options(), ids=[o for o, _ in options()])
def test_every_option_is_one_streamlit_knows(option, value):
    # A misspelt option would be ignored with a warning nobody reads, leaving the default.
    assert option in st_config.get_config_options(), f"{option} is not a Streamlit option"


def test_students_see_no_tracebacks_and_forms_are_xsrf_protected():
    assert CONFIG["client"]["showErrorDetails"] == "none"
    assert CONFIG["server"]["enableXsrfProtection"] is True
    assert CONFIG["server"].get("enableCORS", True) is True  # the default: same origin only


def test_sizes_are_bounded():
    server = CONFIG["server"]
    assert server["maxUploadSize"] <= 1  # MB; the app takes no uploads
    assert server["maxMessageSize"] <= 10  # MB; the largest figure is < 1 MB
    assert server["maxWidgetStateSize"] <= 1  # MB of widget state per rerun
    assert server["maxCacheDataSize"].endswith("mb") and int(server["maxCacheDataSize"][:-2]) <= 500
    assert server["enableAgentApi"] is False


def test_one_scene_cannot_ask_for_more_than_the_caps():
    scene, problems = state.scene_from_query(
        {"steps": "100000", "opt": ",".join(["gd", "momentum", "nesterov", "adagrad"] * 3)}
    )
    assert scene.steps <= state.STEPS.high == 2000
    assert len(scene.optimizers) <= state.MAX_OPTIMIZERS == 6
    assert problems
