"""What a parse costs, counted rather than timed.

The parser bounds its own work before doing it: the text's length before anything else, the
tree's size and depth before the walk that compiles it. ``metered(text)`` parses ``text``
while counting what the parser did (the text handed to Python's parser, the nodes compiled,
the constants folded), so a test asserts those bounds exactly, on a busy machine or a quiet
one. How long a parse takes is measured by ``bench/bench_parser.py``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import types
import warnings
from collections.abc import Iterator

from optim_core import expression
from optim_core.expression import MAX_DEPTH, MAX_LENGTH, MAX_NODES, ExpressionError
from optim_core.landscapes import Landscape


@dataclasses.dataclass
class Meter:
    """What one parse did. ``parsed``: the source Python's parser was given (None if never)."""

    parsed: str | None = None
    measured: bool = False
    visits: int = 0
    visits_before_measure: int = 0
    folds: int = 0

    def problems(self, text: str) -> list[str]:
        """Each bound the parse broke, in words; empty when it kept them all."""
        out = []
        if self.parsed is not None:
            if len(text) > MAX_LENGTH:
                out.append(f"Python's parser read a text of {len(text)} > {MAX_LENGTH} characters")
            if len(self.parsed) > 2 * MAX_LENGTH:  # each ^ becomes **
                out.append(f"the source handed to ast.parse is {len(self.parsed)} characters")
            if _bracket_depth(self.parsed) > MAX_DEPTH:
                out.append(f"ast.parse read brackets nested {_bracket_depth(self.parsed)} deep")
        if self.visits_before_measure:
            out.append(f"{self.visits_before_measure} nodes compiled before the tree was measured")
        if self.visits > MAX_NODES:
            out.append(f"{self.visits} nodes compiled (limit {MAX_NODES})")
        if self.folds > self.visits:
            out.append(f"{self.folds} constants folded for {self.visits} nodes")
        return out


def _bracket_depth(source: str) -> int:
    depth = deepest = 0
    for ch in source:
        depth += ch in "([{"
        depth -= ch in ")]}"
        deepest = max(deepest, depth)
    return deepest


@contextlib.contextmanager
def _counting(meter: Meter) -> Iterator[None]:
    """Wrap the parser's stages so each call is counted into ``meter``."""
    compiler = expression._Compiler
    originals = (expression.ast, compiler.measure, compiler.visit, compiler.finite)
    real_ast = originals[0]

    def parse(source, *args, **kwargs):
        meter.parsed = source
        return real_ast.parse(source, *args, **kwargs)

    def measure(self, root):
        originals[1](self, root)
        meter.measured = True

    def visit(self, node):
        meter.visits += 1
        meter.visits_before_measure += not meter.measured
        return originals[2](self, node)

    def finite(self, expr, node):
        meter.folds += 1
        return originals[3](self, expr, node)

    proxy = types.ModuleType("ast")
    proxy.__dict__.update(real_ast.__dict__)
    proxy.parse = parse
    expression.ast = proxy
    compiler.measure, compiler.visit, compiler.finite = measure, visit, finite
    try:
        yield
    finally:
        expression.ast = real_ast
        compiler.measure, compiler.visit, compiler.finite = originals[1:]


def metered(text: str) -> tuple[Landscape | ExpressionError, Meter]:
    """Parse ``text`` with warnings as errors; the outcome and what the parse did."""
    meter = Meter()
    with _counting(meter), warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            outcome: Landscape | ExpressionError = expression.parse_function(text)
        except ExpressionError as err:
            outcome = err
    return outcome, meter
