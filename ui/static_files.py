"""What the app's own elements load from ``static/``, which Streamlit serves under
``app/static/`` (``server.enableStaticServing``).

A components-v2 element's inline code travels with every rerun that draws it, so each of
the app's elements is a few lines that import its module once from here, under a name that
changes with the module's content: a browser never runs a cached copy of an older version.
The files are copied at start-up; where they cannot be (a read-only install), the page
draws Streamlit's own widgets and charts instead.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
from pathlib import Path

import streamlit as st

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
# Relative, so it also resolves under a server.baseUrlPath and from any page's URL.
URL_PREFIX = "app/static/"


def module_name(source: Path) -> str:
    """The name ``source`` is served under: its stem and the start of its content's hash."""
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:12]
    return f"{source.stem}.{digest}{source.suffix}"


def publish(source: Path, name: str, *, gzipped: bool = False) -> None:
    """Put ``source`` in ``static/`` as ``name`` (``gzipped``: compressed), unless it is there:
    a copy of the same size, or (``gzipped``) any, its name telling the version.

    Raises ``OSError`` where ``static/`` cannot be written.
    """
    target = STATIC_DIR / name
    if target.exists() and (gzipped or target.stat().st_size == source.stat().st_size):
        return
    STATIC_DIR.mkdir(exist_ok=True)
    # Write then rename: replicas sharing a checkout never serve a half-written file.
    partial = target.with_name(f"{name}.{os.getpid()}.part")
    if gzipped:  # once per version: ~0.2 s for plotly.js
        partial.write_bytes(gzip.compress(source.read_bytes(), compresslevel=9, mtime=0))
    else:
        shutil.copyfile(source, partial)
    os.replace(partial, target)


def publish_module(source: Path) -> None:
    """Serve ``source`` as ``module_name(source)`` and remove its older versions.

    Raises ``OSError`` where ``static/`` cannot be written.
    """
    name = module_name(source)
    publish(source, name)
    for older in STATIC_DIR.glob(f"{source.stem}.*{source.suffix}"):
        if older.name != name:
            older.unlink(missing_ok=True)


def serving() -> bool:
    """Whether Streamlit serves ``static/`` (``server.enableStaticServing``)."""
    return bool(st.get_option("server.enableStaticServing"))
