"""A learner's own formula as a landscape, parsed without ever running it.

The text comes from anyone on the internet, so it is treated as data. It is never given to
``eval``, ``exec``, ``compile``, SymPy or numexpr. Instead:

1. the raw text is checked: at most :data:`MAX_LENGTH` characters, plain printable ASCII only (a
   Cyrillic ``х`` that looks like ``x`` is refused by name), no quotes, backslashes or ``#``;
   brackets balanced and nested at most :data:`MAX_DEPTH` deep; ``2x`` and ``(x)(y)`` are
   caught here with a hint;
2. ``^`` becomes ``**`` and :func:`ast.parse` turns the text into a syntax tree (parsing runs
   nothing);
3. the tree is measured (at most :data:`MAX_NODES` nodes, :data:`MAX_DEPTH` levels) and then
   walked by our own compiler, which accepts only numbers, ``x``, ``y``, ``pi``, ``e``,
   ``+ - * / **``, unary ``-``/``+`` and calls of the one-argument functions in
   :data:`FUNCTIONS`. Anything else raises :class:`ExpressionError`, naming the offending part.

The compiler builds a tree of closures over NumPy ufuncs. Each node evaluates its value and,
for the gradient, its value together with its two partial derivatives (forward-mode
differentiation with dual numbers, so the gradient is exact and costs a few ufunc calls per
node). Partial derivatives that are zero by construction are carried as ``None``, so
:math:`\\partial(\\sqrt{y})/\\partial x` is exactly 0 even where :math:`\\sqrt{y}` is not
differentiable.

Constants are folded to float64 at compile time. A constant that is not finite (``1/0``,
``log(0)``, ``exp(1000)``) is refused, and so is a constant exponent larger than
:data:`MAX_EXPONENT` in magnitude: ``9**9**9**9`` folds ``9**9`` to 387420489 and then stops at
the exponent, long before any huge number exists. Numbers are always floats, never Python
integers, so no input can build a big integer. Evaluation runs under
``np.errstate(all="ignore")``: overflow and domain errors give ``inf``/``nan`` quietly, which the
run loop treats as divergence.
"""

from __future__ import annotations

import ast
import dataclasses
import keyword
import math
import re
import unicodedata
from collections.abc import Callable

import numpy as np

from .landscapes import Landscape, Window, vectorised

MAX_LENGTH = 300
"""Longest accepted formula, in characters (checked before anything else)."""
MAX_NODES = 200
"""Most syntax-tree nodes (numbers, names, operators, calls) in one formula."""
MAX_DEPTH = 30
"""Deepest nesting of brackets, calls and operators; a chain such as a + b + c counts once."""
MAX_EXPONENT = 100.0
"""Largest magnitude of a constant exponent."""

DEFAULT_WINDOW: Window = ((-3.0, 3.0), (-3.0, 3.0))
"""View window of a custom landscape unless another is given."""

Array = np.ndarray
_Value = Array | np.float64
_Tangent = Array | float | None
_Dual = tuple[_Value, _Tangent, _Tangent]


class ExpressionError(ValueError):
    """A formula that cannot be used, with a message for the learner.

    Attributes:
      message: what is wrong and how to fix it, e.g. ``"write 2*x, not 2x"``.
      position: 0-based index in the text of the offending part, if known.
      end: index just past the offending part, if known.
    """

    def __init__(self, message: str, position: int | None = None, end: int | None = None):
        super().__init__(message)
        self.message = message
        self.position = position
        self.end = end


# --- the functions a formula may call -----------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Function:
    """A one-argument function: its ufunc, :math:`f'(u)` given ``(u, f(u))``, its LaTeX."""

    apply: Callable[[_Value], _Value]
    derivative: Callable[[_Value, _Value], _Value]
    latex: str


_LN10, _LN2 = math.log(10.0), math.log(2.0)

_FUNCTIONS: dict[str, _Function] = {
    "sin": _Function(np.sin, lambda u, fu: np.cos(u), r"\sin"),
    "cos": _Function(np.cos, lambda u, fu: -np.sin(u), r"\cos"),
    "tan": _Function(np.tan, lambda u, fu: 1.0 + fu * fu, r"\tan"),
    "exp": _Function(np.exp, lambda u, fu: fu, "exp"),
    "log": _Function(np.log, lambda u, fu: 1.0 / u, r"\log"),
    "ln": _Function(np.log, lambda u, fu: 1.0 / u, r"\ln"),
    "log10": _Function(np.log10, lambda u, fu: 1.0 / (u * _LN10), r"\log_{10}"),
    "log2": _Function(np.log2, lambda u, fu: 1.0 / (u * _LN2), r"\log_{2}"),
    "sqrt": _Function(np.sqrt, lambda u, fu: 0.5 / fu, "sqrt"),
    # The subgradient 0 at the kink, like torch.abs.
    "abs": _Function(np.abs, lambda u, fu: np.sign(u), "abs"),
    "sinh": _Function(np.sinh, lambda u, fu: np.cosh(u), r"\sinh"),
    "cosh": _Function(np.cosh, lambda u, fu: np.sinh(u), r"\cosh"),
    "tanh": _Function(np.tanh, lambda u, fu: 1.0 - fu * fu, r"\tanh"),
    "arcsin": _Function(np.arcsin, lambda u, fu: 1.0 / np.sqrt(1.0 - u * u), r"\arcsin"),
    "arccos": _Function(np.arccos, lambda u, fu: -1.0 / np.sqrt(1.0 - u * u), r"\arccos"),
    "arctan": _Function(np.arctan, lambda u, fu: 1.0 / (1.0 + u * u), r"\arctan"),
}
FUNCTIONS: dict[str, _Function] = _FUNCTIONS | {
    "asin": _FUNCTIONS["arcsin"],
    "acos": _FUNCTIONS["arccos"],
    "atan": _FUNCTIONS["arctan"],
}
"""Every function a formula may call, by the name the learner types."""

_CONSTANTS = {"pi": np.float64(math.pi), "e": np.float64(math.e)}
_ALLOWED = (
    "only numbers, x, y, pi, e, the operators + - * / ^ and the functions "
    + ", ".join(FUNCTIONS)
    + " are allowed"
)


# --- the compiled expression: a tree of closures -------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Expr:
    """A compiled sub-formula.

    ``value(x, y)`` gives its value; ``dual(x, y)`` gives ``(value, d/dx, d/dy)``, a partial
    derivative being ``None`` when it is zero by construction. ``const`` holds the folded value
    of a sub-formula without ``x`` and ``y``.
    """

    value: Callable[[Array, Array], _Value]
    dual: Callable[[Array, Array], _Dual]
    const: np.float64 | None = None


def _constant(c: np.float64) -> _Expr:
    return _Expr(lambda x, y: c, lambda x, y: (c, None, None), c)


_X = _Expr(lambda x, y: x, lambda x, y: (x, 1.0, None))
_Y = _Expr(lambda x, y: y, lambda x, y: (y, None, 1.0))


def _plus(a: _Tangent, b: _Tangent) -> _Tangent:
    if a is None:
        return b
    return a if b is None else a + b


def _minus(a: _Tangent, b: _Tangent) -> _Tangent:
    if b is None:
        return a
    return -b if a is None else a - b


def _times(a: _Tangent, k: _Value) -> _Tangent:
    return None if a is None else a * k


def _add(a: _Expr, b: _Expr) -> _Expr:
    av, bv, ad, bd = a.value, b.value, a.dual, b.dual

    def dual(x: Array, y: Array) -> _Dual:
        (u, ux, uy), (v, vx, vy) = ad(x, y), bd(x, y)
        return u + v, _plus(ux, vx), _plus(uy, vy)

    return _Expr(lambda x, y: av(x, y) + bv(x, y), dual)


def _sub(a: _Expr, b: _Expr) -> _Expr:
    av, bv, ad, bd = a.value, b.value, a.dual, b.dual

    def dual(x: Array, y: Array) -> _Dual:
        (u, ux, uy), (v, vx, vy) = ad(x, y), bd(x, y)
        return u - v, _minus(ux, vx), _minus(uy, vy)

    return _Expr(lambda x, y: av(x, y) - bv(x, y), dual)


def _mul(a: _Expr, b: _Expr) -> _Expr:
    r""":math:`(uv)' = u'v + uv'`."""
    av, bv, ad, bd = a.value, b.value, a.dual, b.dual

    def dual(x: Array, y: Array) -> _Dual:
        (u, ux, uy), (v, vx, vy) = ad(x, y), bd(x, y)
        return u * v, _plus(_times(ux, v), _times(vx, u)), _plus(_times(uy, v), _times(vy, u))

    return _Expr(lambda x, y: av(x, y) * bv(x, y), dual)


def _div(a: _Expr, b: _Expr) -> _Expr:
    r""":math:`(u/v)' = (u' - (u/v)\,v') / v`."""
    av, bv, ad, bd = a.value, b.value, a.dual, b.dual

    def dual(x: Array, y: Array) -> _Dual:
        (u, ux, uy), (v, vx, vy) = ad(x, y), bd(x, y)
        q = u / v
        dx, dy = _minus(ux, _times(vx, q)), _minus(uy, _times(vy, q))
        return q, None if dx is None else dx / v, None if dy is None else dy / v

    return _Expr(lambda x, y: av(x, y) / bv(x, y), dual)


def _pow(a: _Expr, b: _Expr) -> _Expr:
    r"""Powers, differentiated by the cheapest exact rule.

    Constant exponent :math:`c`: :math:`(u^c)' = c\,u^{c-1} u'`. Constant base :math:`b`:
    :math:`(b^v)' = b^v \ln b\; v'`. Otherwise :math:`(u^v)' = u^v (v' \ln u + v\,u'/u)`.
    """
    av, bv, ad, bd = a.value, b.value, a.dual, b.dual
    c = b.const
    if c is not None:
        if c == 0.0:
            # u^0 = 1 has derivative 0 even where u is not finite.
            def dual_zero_exponent(x: Array, y: Array) -> _Dual:
                return np.power(av(x, y), c), None, None

            return _Expr(lambda x, y: np.power(av(x, y), c), dual_zero_exponent)

        def dual_const_exponent(x: Array, y: Array) -> _Dual:
            u, ux, uy = ad(x, y)
            k = c * np.power(u, c - 1.0)
            return np.power(u, c), _times(ux, k), _times(uy, k)

        return _Expr(lambda x, y: np.power(av(x, y), c), dual_const_exponent)
    if a.const is not None:
        with np.errstate(all="ignore"):
            log_base = np.log(a.const)  # nan for a negative base, as is b^v itself

        def dual_const_base(x: Array, y: Array) -> _Dual:
            v, vx, vy = bd(x, y)
            p = np.power(a.const, v)
            k = p * log_base
            return p, _times(vx, k), _times(vy, k)

        return _Expr(lambda x, y: np.power(a.const, bv(x, y)), dual_const_base)

    def dual(x: Array, y: Array) -> _Dual:
        (u, ux, uy), (v, vx, vy) = ad(x, y), bd(x, y)
        p = np.power(u, v)
        log_u, v_over_u = np.log(u), v / u
        dx = _plus(_times(vx, log_u), _times(ux, v_over_u))
        dy = _plus(_times(vy, log_u), _times(uy, v_over_u))
        return p, _times(dx, p), _times(dy, p)

    return _Expr(lambda x, y: np.power(av(x, y), bv(x, y)), dual)


def _neg(a: _Expr) -> _Expr:
    av, ad = a.value, a.dual

    def dual(x: Array, y: Array) -> _Dual:
        u, ux, uy = ad(x, y)
        return -u, None if ux is None else -ux, None if uy is None else -uy

    return _Expr(lambda x, y: -av(x, y), dual)


def _call(fn: _Function, a: _Expr) -> _Expr:
    r"""Chain rule: :math:`(f \circ u)' = f'(u)\, u'`."""
    av, ad, apply, derivative = a.value, a.dual, fn.apply, fn.derivative

    def dual(x: Array, y: Array) -> _Dual:
        u, ux, uy = ad(x, y)
        fu = apply(u)
        if ux is None and uy is None:
            return fu, None, None
        k = derivative(u, fu)
        return fu, _times(ux, k), _times(uy, k)

    return _Expr(lambda x, y: apply(av(x, y)), dual)


_BINARY: dict[type[ast.operator], Callable[[_Expr, _Expr], _Expr]] = {
    ast.Add: _add,
    ast.Sub: _sub,
    ast.Mult: _mul,
    ast.Div: _div,
    ast.Pow: _pow,
}
_OPERATOR_SYMBOLS = {
    ast.Mod: "%",
    ast.FloorDiv: "//",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitAnd: "&",
    ast.BitXor: "^",
    ast.Invert: "~",
    ast.Not: "not",
}
_CHAINS = ({ast.Add, ast.Sub}, {ast.Mult, ast.Div})

_REFUSED: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access (a.b) is not allowed: '{part}'",
    ast.Subscript: "indexing (a[...]) is not allowed: '{part}'",
    ast.Lambda: "lambda is not allowed: write the formula itself",
    ast.ListComp: "comprehensions (for ... in ...) are not allowed",
    ast.SetComp: "comprehensions (for ... in ...) are not allowed",
    ast.DictComp: "comprehensions (for ... in ...) are not allowed",
    ast.GeneratorExp: "comprehensions (for ... in ...) are not allowed",
    ast.NamedExpr: "assignments (:=) are not allowed",
    ast.Compare: "comparisons are not allowed: '{part}'",
    ast.BoolOp: "'and' and 'or' are not allowed",
    ast.IfExp: "'if ... else' is not allowed",
    ast.Tuple: "write one formula: commas are not allowed",
    ast.List: "lists are not allowed: write one formula",
    ast.Set: "sets ({...}) are not allowed: write one formula",
    ast.Dict: "dictionaries ({...}) are not allowed: write one formula",
    ast.Starred: "'*' unpacking is not allowed",
    ast.JoinedStr: "text (strings, f-strings) is not allowed",
}


# --- reading the text -----------------------------------------------------------------------------

_SYMBOL_HINTS = {
    "−": "type - for minus",
    "–": "type - for minus",
    "—": "type - for minus",
    "×": "type * to multiply",
    "·": "type * to multiply",
    "⋅": "type * to multiply",
    "∙": "type * to multiply",
    "∗": "type * to multiply",
    "÷": "type / to divide",
    "∕": "type / to divide",
    "π": "type pi",
    "√": "type sqrt(...)",
    "²": "type ^2 for a square",
    "³": "type ^3 for a cube",
}
# Letters from other alphabets that look like Latin ones (NFKC catches the fullwidth and
# mathematical forms).
_LOOKALIKES = dict(zip("хХуУеЕоОаАсСрРіІѕјχοΟνγ", "xXyYeEoOaAcCpPiIsjxoOvy", strict=True))
# Possessive quantifiers and the look-behind keep every scan linear in the length of the text:
# with plain ones, a run of 300 digits made the search backtrack for 60 ms.
_NUMBER_PATTERN = r"(?:\d++(?:\.\d*+)?|\.\d++)(?:[eE][+-]?\d++)?+"
_WORD_PATTERN = r"[A-Za-z_][A-Za-z0-9_]*+"
_NUMBER = re.compile(_NUMBER_PATTERN)
_WORD = re.compile(_WORD_PATTERN)
# Two operands separated only by spaces, as in "x y" or "(x + 1) 2".
_ADJACENT = re.compile(
    rf"((?<![A-Za-z0-9_.])(?:{_WORD_PATTERN}|{_NUMBER_PATTERN})|\))( ++)"
    rf"({_WORD_PATTERN}|{_NUMBER_PATTERN})"
)


def _short(part: str, limit: int = 16) -> str:
    """A part of the text, cut down to fit in a message."""
    return part if len(part) <= limit else part[: limit - 3] + "..."


def _describe(ch: str) -> str:
    """A character as the learner can read it, never the raw character if it is invisible."""
    code = f"U+{ord(ch):04X}"
    name = unicodedata.name(ch, "")
    if ch.isprintable() and not ch.isspace():
        return f"'{ch}' ({name or code})"
    return f"{name or 'an invisible character'} ({code})"


def _check_characters(text: str) -> None:
    for i, ch in enumerate(text):
        if " " <= ch <= "~" and ch not in "'\"\\#":
            continue
        if ch in "\t\n\r\f\v":
            continue
        if ch in "'\"":
            raise ExpressionError("text in quotes (strings, f-strings) is not allowed", i, i + 1)
        if ch in "\\#":
            raise ExpressionError(f"'{ch}' is not allowed: {_ALLOWED}", i, i + 1)
        if ch in _SYMBOL_HINTS:
            raise ExpressionError(f"{_describe(ch)} is not allowed: {_SYMBOL_HINTS[ch]}", i, i + 1)
        plain = _LOOKALIKES.get(ch) or unicodedata.normalize("NFKC", ch)
        if plain.isascii() and plain.isprintable() and plain.strip():
            raise ExpressionError(
                f"{_describe(ch)} looks like '{plain}' but is not: type a plain {plain}", i, i + 1
            )
        raise ExpressionError(
            f"{_describe(ch)} is not allowed: use plain keyboard characters", i, i + 1
        )


def _check_brackets(text: str, original: Callable[[int], int]) -> None:
    pairs = {")": "(", "]": "[", "}": "{"}
    opened: list[int] = []
    for i, ch in enumerate(text):
        if ch in "([{":
            opened.append(i)
            if len(opened) > MAX_DEPTH:
                raise ExpressionError(
                    f"too many nested brackets (the limit is {MAX_DEPTH})", original(i)
                )
        elif ch in pairs:
            if not opened:
                raise ExpressionError(f"'{ch}' has no matching '{pairs[ch]}'", original(i))
            if text[opened[-1]] != pairs[ch]:
                j = opened[-1]
                raise ExpressionError(f"'{text[j]}' is closed by '{ch}'", original(j))
            opened.pop()
    if opened:
        raise ExpressionError(f"'{text[opened[-1]]}' is never closed", original(opened[-1]))


def _check_implicit_products(text: str, original: Callable[[int], int]) -> None:
    """Catch ``2x``, ``2(x+1)``, ``(x+1)(x-1)`` and ``(x)y``, which learners write for products."""
    for match in _NUMBER.finditer(text):
        start, end = match.span()
        if start and (text[start - 1].isalnum() or text[start - 1] in "_."):
            continue  # digits inside a name such as x2, or the tail of 1.2.3
        number, rest = _short(match.group()), text[end:]
        word = _WORD.match(rest)
        if word and word.group() in ("j", "J"):
            raise ExpressionError("complex numbers are not allowed", original(start))
        if word:
            name = _short(word.group())
            raise ExpressionError(
                f"write {number}*{name}, not {number}{name}", original(start), original(end)
            )
        if rest.startswith("("):
            raise ExpressionError(
                f"write {number}*(...), not {number}(...)", original(start), original(end)
            )
    for i, ch in enumerate(text):
        if ch != ")":
            continue
        rest = text[i + 1 :].lstrip(" ")
        word = _WORD.match(rest) or _NUMBER.match(rest)
        if rest.startswith("("):
            raise ExpressionError("write (...)*(...), not (...)(...)", original(i))
        if word and not keyword.iskeyword(word.group()):
            name = _short(word.group())
            raise ExpressionError(f"write (...)*{name}, not (...){name}", original(i))


# --- the compiler ---------------------------------------------------------------------------------


class _Compiler:
    """Walks a syntax tree, refusing everything outside the grammar, building an :class:`_Expr`."""

    def __init__(self, original_text: str, original: Callable[[int], int]):
        self.text = original_text
        self.original = original

    def span(self, node: ast.expr | ast.keyword) -> tuple[int, int]:
        """Where ``node`` is in the learner's text, as ``(start, end)``."""
        start = self.original(node.col_offset)
        return start, max(start, self.original(node.end_col_offset or 0))

    def part(self, node: ast.expr | ast.keyword) -> str:
        start, end = self.span(node)
        return self.text[start:end]

    def error(self, message: str, node: ast.expr | ast.keyword) -> ExpressionError:
        """An error pointing at ``node``; ``{part}`` in ``message`` becomes the node's text."""
        start, end = self.span(node)
        return ExpressionError(message.replace("{part}", self.part(node)), start, end or None)

    def measure(self, root: ast.expr) -> None:
        """Bound the size before any recursion: count nodes and nesting depth iteratively."""
        count = 0
        stack = [(root, 1)]
        while stack:
            node, depth = stack.pop()
            count += 1
            if count > MAX_NODES:
                raise ExpressionError(
                    f"the formula is too big (more than {MAX_NODES} numbers, names and operators)"
                )
            if depth > MAX_DEPTH:
                raise self.error(f"the formula is nested too deeply (limit {MAX_DEPTH})", node)
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    same_chain = (
                        isinstance(node, ast.BinOp)
                        and isinstance(child, ast.BinOp)
                        and any(type(node.op) in c and type(child.op) in c for c in _CHAINS)
                    )
                    stack.append((child, depth if same_chain else depth + 1))

    def finite(self, expr: _Expr, node: ast.expr) -> _Expr:
        """Fold a sub-formula without x and y into one float64, refusing inf and nan."""
        with np.errstate(all="ignore"):
            value = np.float64(expr.value(np.float64(0.0), np.float64(0.0)))
        if not np.isfinite(value):
            raise self.error(
                "'{part}' is not a finite number (division by zero, overflow, or outside the "
                "function's domain)",
                node,
            )
        return _constant(value)

    def visit(self, node: ast.expr) -> _Expr:
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.BinOp):
            return self.binary(node)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        message = _REFUSED.get(type(node))
        if message is None:
            message = "'{part}' is not allowed: " + _ALLOWED
        raise self.error(message, node)

    def number(self, node: ast.Constant) -> _Expr:
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            raise self.error("'{part}' is not allowed: " + _ALLOWED, node)
        if isinstance(value, complex):
            raise self.error("complex numbers are not allowed", node)
        if not isinstance(value, int | float):
            raise self.error("text (strings) is not allowed", node)
        try:
            number = np.float64(float(value))
        except OverflowError:
            number = np.float64(np.inf)
        if not np.isfinite(number):
            raise self.error("the number '{part}' is too large", node)
        return _constant(number)

    def name(self, node: ast.Name) -> _Expr:
        name = node.id
        if name == "x":
            return _X
        if name == "y":
            return _Y
        if name in _CONSTANTS:
            return _constant(_CONSTANTS[name])
        raise self.error(_unknown_name(name), node)

    def binary(self, node: ast.BinOp) -> _Expr:
        build = _BINARY.get(type(node.op))
        if build is None:
            symbol = _OPERATOR_SYMBOLS.get(type(node.op), "?")
            raise self.error(
                f"the operator '{symbol}' is not allowed: use + - * / and ^ (or **)", node
            )
        left, right = self.visit(node.left), self.visit(node.right)
        if build is _pow and right.const is not None and abs(right.const) > MAX_EXPONENT:
            raise self.error(
                f"the exponent '{self.part(node.right)}' = {right.const:.10g} is too large "
                f"(the limit is {MAX_EXPONENT:g})",
                node.right,
            )
        expr = build(left, right)
        if left.const is not None and right.const is not None:
            return self.finite(expr, node)
        return expr

    def unary(self, node: ast.UnaryOp) -> _Expr:
        if isinstance(node.op, ast.UAdd):
            return self.visit(node.operand)
        if not isinstance(node.op, ast.USub):
            symbol = _OPERATOR_SYMBOLS.get(type(node.op), "?")
            raise self.error(f"'{symbol}' is not allowed: use + - * / and ^ (or **)", node)
        operand = self.visit(node.operand)
        if operand.const is not None:
            return _constant(-operand.const)
        return _neg(operand)

    def call(self, node: ast.Call) -> _Expr:
        func = node.func
        if isinstance(func, ast.Name):
            name = func.id
            if name not in FUNCTIONS:
                if name in ("x", "y", "pi", "e"):
                    raise self.error(f"write {name}*(...), not {name}(...)", node)
                shown = _short(name, 24)
                if "__" in name:
                    raise self.error(f"'{shown}' is not allowed", func)
                raise self.error(
                    f"'{shown}' is not a function you can use: use one of {', '.join(FUNCTIONS)}",
                    func,
                )
        elif isinstance(func, ast.Constant):
            raise self.error("write 2*(...), not 2(...): put * before a bracket", node)
        elif isinstance(func, ast.Attribute):
            hint = f": write {func.attr}(...)" if func.attr in FUNCTIONS else ""
            raise self.error("attribute access (a.b) is not allowed: '{part}'" + hint, func)
        else:
            raise self.error("write (...)*(...), not (...)(...)", node)
        if node.keywords:
            raise self.error("keyword arguments (name=value) are not allowed", node.keywords[0])
        if any(isinstance(arg, ast.Starred) for arg in node.args):
            raise self.error("'*' unpacking is not allowed", node)
        if len(node.args) != 1:
            raise self.error(f"{name}(...) takes exactly one argument", node)
        argument = self.visit(node.args[0])
        expr = _call(FUNCTIONS[name], argument)
        if argument.const is not None:
            return self.finite(expr, node)
        return expr


def _unknown_name(name: str) -> str:
    shown = _short(name, 24)
    if "__" in name:
        return f"'{shown}' is not allowed"
    for fn in sorted(FUNCTIONS, key=len, reverse=True):
        rest = name[len(fn) :]
        if name.startswith(fn) and rest and re.fullmatch(r"[xy]|\d{1,6}(\.\d{0,6})?|pi|e", rest):
            return f"write {fn}({rest}), not {name}"
    if name in FUNCTIONS:
        return f"'{name}' is a function: write {name}(x)"
    if name in ("X", "Y"):
        return f"unknown name '{name}': use lower-case x and y"
    if len(name) <= 12 and re.fullmatch(r"(?:x|y|pi|e)+", name):
        spaced = "*".join(re.findall(r"x|y|pi|e", name))
        return f"unknown name '{name}': write {spaced} for a product; the variables are x and y"
    if re.fullmatch(r"[xy]\d{1,6}", name):
        return f"unknown name '{name}': write {name[0]}**{name[1:]} or {name[0]}*{name[1:]}"
    return f"unknown name '{shown}': use x and y (and the constants pi and e)"


# --- LaTeX ----------------------------------------------------------------------------------------

_ADD, _MUL, _UNARY, _POW, _ATOM = 1, 2, 3, 4, 5


def _latex_number(value: float) -> tuple[str, int]:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value)), _ATOM
    text = repr(float(value))
    if "e" not in text:
        return text, _ATOM
    mantissa, exponent = text.split("e")
    if mantissa in ("1", "1.0"):
        return f"10^{{{int(exponent)}}}", _POW
    return rf"{mantissa} \times 10^{{{int(exponent)}}}", _MUL


def _wrap(latex: str) -> str:
    if r"\frac" in latex:
        return rf"\left({latex}\right)"
    return f"({latex})"


def _latex(node: ast.expr) -> tuple[str, int]:
    """LaTeX for an already validated node, with its precedence (to place brackets)."""
    if isinstance(node, ast.Constant):
        return _latex_number(float(node.value))
    if isinstance(node, ast.Name):
        return {"pi": r"\pi"}.get(node.id, node.id), _ATOM
    if isinstance(node, ast.UnaryOp):
        inner, prec = _latex(node.operand)
        if isinstance(node.op, ast.UAdd):
            return inner, prec
        return "-" + (_wrap(inner) if prec in (_ADD, _UNARY) else inner), _UNARY
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        name = node.func.id
        inner, _ = _latex(node.args[0])
        if name == "exp":
            return f"e^{{{inner}}}", _POW
        if name == "sqrt":
            return rf"\sqrt{{{inner}}}", _ATOM
        if name == "abs":
            return rf"\left|{inner}\right|", _ATOM
        return FUNCTIONS[name].latex + _wrap(inner), _ATOM
    assert isinstance(node, ast.BinOp)
    left, lp = _latex(node.left)
    right, rp = _latex(node.right)
    op = type(node.op)
    if op is ast.Add:
        return f"{left} + {_wrap(right) if rp == _UNARY else right}", _ADD
    if op is ast.Sub:
        return f"{left} - {_wrap(right) if rp in (_ADD, _UNARY) else right}", _ADD
    if op is ast.Div:
        return rf"\frac{{{left}}}{{{right}}}", _MUL
    if op is ast.Pow:
        simple_base = isinstance(node.left, ast.Name) or (
            isinstance(node.left, ast.Constant) and lp == _ATOM
        )
        return f"{left if simple_base else _wrap(left)}^{{{right}}}", _POW
    left = _wrap(left) if lp == _ADD else left
    right = _wrap(right) if rp in (_ADD, _UNARY) else right
    joiner = r" \cdot " if right[:1].isdigit() else " "
    return left + joiner + right, _MUL


# --- the public entry point -----------------------------------------------------------------------


def parse_function(
    text: str, *, window: Window = DEFAULT_WINDOW, start: tuple[float, float] | None = None
) -> Landscape:
    r"""Turn a learner's formula in ``x`` and ``y`` into a :class:`Landscape`, safely.

    Accepts e.g. ``"x**2 + 10*y**2"``, ``"x^2 + 3*y^2"`` (``^`` is a power) and
    ``"sin(x)*cos(y)"``. The landscape's ``grad`` is exact (forward-mode differentiation of the
    formula, not finite differences); ``f_min`` is ``None`` and ``minima`` empty, since nothing
    is known about the formula's minima.

    Args:
      text: the formula, untrusted. Never evaluated as code.
      window: the default view, ``((xmin, xmax), (ymin, ymax))``.
      start: the default start point; by default 85 % of the way to the right and 80 % of the
        way up the window, i.e. (2.1, 1.8) for the default window, off the integer lattice
        where formulas such as :math:`\cos(\pi x)` have flat spots.

    Raises:
      ExpressionError: if the formula is too long, too big, too deep, uses anything outside the
        grammar, or has a constant part that is not a finite number.
      ValueError: if ``window`` or ``start`` is not a finite, non-empty box or point.
    """
    (x0, x1), (y0, y1) = window
    if not all(map(math.isfinite, (x0, x1, y0, y1))) or not (x0 < x1 and y0 < y1):
        raise ValueError(f"window must be a finite, non-empty box, got {window}")
    if start is None:
        start = (x0 + 0.85 * (x1 - x0), y0 + 0.8 * (y1 - y0))
    if not all(map(math.isfinite, start)):
        raise ValueError(f"start must be a finite point, got {start}")

    expr, tree, label = _parse(text)
    value, dual = expr.value, expr.dual

    def gradxy(x: Array, y: Array) -> tuple[Array, Array]:
        _, dx, dy = dual(x, y)
        return 0.0 if dx is None else dx, 0.0 if dy is None else dy  # None: no x (or y) in f

    f, grad = vectorised(value, gradxy)

    return Landscape(
        name="custom",
        label=label,
        latex="f(x, y) = " + _latex(tree)[0],
        description="Your own formula. Its gradient is worked out exactly from the formula.",
        f=f,
        grad=grad,
        fxy=value,
        gradxy=gradxy,
        window=window,
        minima=np.empty((0, 2)),
        start=start,
        log_scale=False,
        f_min=None,
    )


def _parse(text: str) -> tuple[_Expr, ast.expr, str]:
    """Check, parse and compile ``text``; returns the compiled formula, its tree and its label."""
    if not isinstance(text, str):
        raise ExpressionError("the formula must be text")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the formula is too long ({len(text)} characters; the limit is {MAX_LENGTH})"
        )
    _check_characters(text)
    if not text.strip():
        raise ExpressionError("type a formula in x and y, for example x^2 + 3*y^2")

    # Python reads ^ as xor; learners mean a power. `original` maps an index in the rewritten
    # text back to the learner's text, so messages point at what they typed.
    pieces, positions = [], []
    for i, ch in enumerate(text):
        piece = "**" if ch == "^" else " " if ch.isspace() else ch
        pieces.append(piece)
        positions.extend([i] * len(piece))
    source = "".join(pieces)
    positions.append(len(text))

    def original(i: int) -> int:
        return positions[min(max(i, 0), len(positions) - 1)]

    _check_brackets(source, original)
    _check_implicit_products(source, original)
    try:
        tree = ast.parse(source.strip(), mode="eval").body
    except SyntaxError as err:
        raise _syntax_error(text, source, err, original) from None
    except (RecursionError, MemoryError, ValueError, OverflowError):
        raise ExpressionError("the formula is too complex to read") from None
    # ast positions refer to the stripped source.
    shift = len(source) - len(source.lstrip())

    def original_shifted(i: int) -> int:
        return original(i + shift)

    compiler = _Compiler(text, original_shifted)
    compiler.measure(tree)
    return compiler.visit(tree), tree, " ".join(text.split())


def _syntax_error(
    text: str, source: str, err: SyntaxError, original: Callable[[int], int]
) -> ExpressionError:
    for adjacent in _ADJACENT.finditer(source):
        a, _, b = adjacent.groups()
        if not (keyword.iskeyword(a) or keyword.iskeyword(b)):
            a, b = "(...)" if a == ")" else _short(a), _short(b)
            return ExpressionError(f"write {a}*{b}, not {a} {b}", original(adjacent.start()))
    shift = len(source) - len(source.lstrip())
    # Python reports offset 0 when the input ends in the middle of an expression.
    offset = (err.offset or 0) - 1 + shift
    if not err.offset or offset >= len(source.rstrip()):
        tail = text.rstrip()[-12:]
        return ExpressionError(
            f"the formula ends too early: something is missing after '{tail}'", len(text)
        )
    position = original(offset)
    near = text[position : position + 12]
    return ExpressionError(
        f"could not read the formula at '{near}': check for a missing or extra operator",
        position,
    )
