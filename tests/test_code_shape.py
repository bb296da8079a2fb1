"""The code's shape, as STYLE.md asks it: short functions, and pages that do not switch on an
optimizer's name.

Both are read from the source's syntax tree, so a new function over the limit, or a new
``if name == "adam"`` in a page, fails here with its place named.
"""

from __future__ import annotations

import ast
from pathlib import Path

import optim_core

ROOT = Path(__file__).resolve().parent.parent
MAX_BODY_LINES = 80  # a function's body, its docstring aside (STYLE.md: "a screen and a half")
SHORT_FUNCTION_DIRS = ("optim_core", "ui", "pages")
NAME_SWITCH_DIRS = ("ui", "pages")
# Issue #19: at most three comparisons with an optimizer's name remain in the UI, each where a
# page is about that optimizer by design (momentum's two conventions).
MAX_NAME_COMPARISONS = 3


def sources(dirs: tuple[str, ...]) -> list[Path]:
    return sorted(p for d in dirs for p in (ROOT / d).rglob("*.py"))


def shown(path: Path) -> str:
    return str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


def body_lines(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines from the body's first statement after the docstring to its last."""
    body = fn.body
    first = body[0]
    if isinstance(first, ast.Expr) and isinstance(getattr(first.value, "value", None), str):
        body = body[1:]
    if not body:
        return 0
    return body[-1].end_lineno - body[0].lineno + 1


def long_functions(paths: list[Path], limit: int) -> list[str]:
    found = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = body_lines(node)
                if n > limit:
                    found.append(f"{shown(path)}:{node.lineno} {node.name} ({n} lines)")
    return found


def is_name(node: ast.AST) -> bool:
    """A string literal naming a registered optimizer, or a tuple/list/set of such."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value in optim_core.OPTIMIZERS
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(is_name(e) for e in node.elts)
    return False


def name_comparisons(paths: list[Path]) -> list[str]:
    """Every ``==``/``!=``/``in``/``not in`` with an optimizer's name, and every ``case``
    matching one."""
    found = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare):
                ops = (ast.Eq, ast.NotEq, ast.In, ast.NotIn)
                if any(isinstance(op, ops) for op in node.ops) and any(
                    is_name(side) for side in (node.left, *node.comparators)
                ):
                    found.append(f"{shown(path)}:{node.lineno}")
            elif isinstance(node, ast.match_case) and any(
                isinstance(p, ast.MatchValue) and is_name(p.value) for p in ast.walk(node.pattern)
            ):
                found.append(f"{shown(path)}:{node.pattern.lineno}")
    return found


def test_no_function_is_longer_than_the_limit() -> None:
    offenders = long_functions(sources(SHORT_FUNCTION_DIRS), MAX_BODY_LINES)
    assert not offenders, f"functions over {MAX_BODY_LINES} lines: " + "; ".join(offenders)


def test_few_comparisons_with_an_optimizer_name_in_the_ui() -> None:
    found = name_comparisons(sources(NAME_SWITCH_DIRS))
    assert len(found) <= MAX_NAME_COMPARISONS, "comparisons with a name: " + "; ".join(found)


def test_the_checks_find_what_they_look_for(tmp_path: Path) -> None:
    """Each check flags a planted case and passes a clean one, so neither passes vacuously."""
    planted = tmp_path / "planted.py"
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_BODY_LINES))
    planted.write_text(
        f'def short():\n    """Doc."""\n{body}\n\n'
        f"def long():\n{body}\n    return x0\n\n"
        'def switch(name):\n    if name == "adam":\n        return 1\n'
        '    if name in ("gd", "lion"):\n        return 2\n'
        '    match name:\n        case "momentum":\n            return 3\n'
        '    return name == "not-an-optimizer"\n',
        encoding="utf-8",
    )
    assert [s.split()[1] for s in long_functions([planted], MAX_BODY_LINES)] == ["long"]
    assert len(name_comparisons([planted])) == 3
