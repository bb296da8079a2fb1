"""Keep every page under app.py's navigation, even when a link opens it directly.

Because the project has a ``pages/`` folder, Streamlit 1.67 starts each server in its
older multipage mode: until app.py has run once in the process, a link straight to
``/inspector`` runs ``pages/inspector.py`` on its own, without app.py's page set-up and
with a navigation listing file names. ``st.navigation`` turns that mode off for good,
but only once app.py runs; a page opened first switches it off and reruns, and the rerun
goes through app.py to the page that was asked for.
"""

from __future__ import annotations

import sys

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def require_app_navigation() -> None:
    """Rerun through app.py if Streamlit ran this page without it (see the module doc).

    Not under Streamlit's AppTest, which turns the old mode back on before every run: there
    the rerun would come every time and swallow button clicks. tests/test_browser_deep_link.py
    checks the real server.
    """
    if "streamlit.testing.v1.app_test" in sys.modules:
        return
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
