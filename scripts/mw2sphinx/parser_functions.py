"""ParserFunctions and the string functions of core MediaWiki, for the expand stage.

Each function gets its arguments as *unexpanded* wikitext and an ``expand``
callable, so that only the branch MediaWiki would take is ever expanded (this
is what keeps ``{{#if:…}}`` around a recursive call from looping).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from urllib.parse import quote_plus

Expand = Callable[[str], str]


class ExprError(Exception):
    pass


# --- #expr ---------------------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(\d+\.?\d*(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?)|(<>|!=|<=|>=|[-+*/^()=<>])"
    r"|(div|mod|and|or|not|round|e|pi|trunc|floor|ceil|abs|sqrt|ln|exp|sin|cos|tan|fmod))",
    re.IGNORECASE,
)
_BINARY = {
    "or": (1, lambda a, b: float(bool(a) or bool(b))),
    "and": (2, lambda a, b: float(bool(a) and bool(b))),
    "=": (4, lambda a, b: float(a == b)),
    "<>": (4, lambda a, b: float(a != b)),
    "!=": (4, lambda a, b: float(a != b)),
    "<": (4, lambda a, b: float(a < b)),
    ">": (4, lambda a, b: float(a > b)),
    "<=": (4, lambda a, b: float(a <= b)),
    ">=": (4, lambda a, b: float(a >= b)),
    "round": (5, lambda a, b: _round(a, b)),
    "+": (6, lambda a, b: a + b),
    "-": (6, lambda a, b: a - b),
    "*": (7, lambda a, b: a * b),
    "/": (7, lambda a, b: _divide(a, b)),
    "div": (7, lambda a, b: _divide(a, b)),
    "mod": (7, lambda a, b: _modulo(a, b)),
    "fmod": (7, lambda a, b: math.fmod(a, b) if b else _zero()),
    "^": (8, lambda a, b: _power(a, b)),
}
_UNARY: dict[str, Callable[[float], float]] = {
    "not": lambda a: float(not a),
    "trunc": math.trunc,
    "floor": math.floor,
    "ceil": math.ceil,
    "abs": abs,
    "sqrt": lambda a: math.sqrt(a) if a >= 0 else _error("Invalid argument for sqrt"),
    "ln": lambda a: math.log(a) if a > 0 else _error("Invalid argument for ln"),
    "exp": lambda a: math.exp(min(a, 700)),
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
}


def _error(message: str):
    raise ExprError(message)


def _zero():
    raise ExprError("Division by zero")


def _divide(a: float, b: float) -> float:
    return a / b if b else _zero()


def _modulo(a: float, b: float) -> float:
    a, b = int(a), int(b)
    if not b:
        _zero()
    return float(math.fmod(a, b))


def _power(a: float, b: float) -> float:
    if abs(b) > 1024 or (abs(a) > 1 and abs(b) * math.log10(abs(a)) > 300):
        raise ExprError("Result too large")
    try:
        return float(a**b)
    except (OverflowError, ZeroDivisionError, TypeError):
        raise ExprError("Invalid power") from None


def _round(a: float, b: float) -> float:
    digits = int(b)
    return float(round(a, digits)) if abs(digits) < 20 else a


def evaluate(expression: str) -> str:
    """Evaluate a ``#expr`` expression as MediaWiki does, or raise :class:`ExprError`."""
    tokens = _tokenize(expression.replace("\ue000", "<").replace("\ue001", ">"))
    if not tokens:
        return ""
    position = 0

    def peek():
        return tokens[position] if position < len(tokens) else None

    def take():
        nonlocal position
        position += 1
        return tokens[position - 1]

    def operand(depth: int = 0) -> float:
        if depth > 200:
            raise ExprError("Expression too deep")
        token = peek()
        if token is None:
            raise ExprError("Missing operand")
        take()
        if isinstance(token, float):
            return token
        if token == "(":
            value = binary(0, depth + 1)
            if take_if(")") is None:
                raise ExprError("Unclosed bracket")
            return value
        if token == "-":
            return -operand(depth + 1)
        if token == "+":
            return operand(depth + 1)
        if token == "e":
            return math.e
        if token == "pi":
            return math.pi
        if token in _UNARY:
            return float(_UNARY[token](operand(depth + 1)))
        raise ExprError(f"Unexpected {token}")

    def take_if(expected: str):
        if peek() == expected:
            return take()
        return None

    def binary(minimum: int, depth: int = 0) -> float:
        left = operand(depth)
        while True:
            token = peek()
            if not isinstance(token, str) or token not in _BINARY:
                return left
            precedence, function = _BINARY[token]
            if precedence < minimum:
                return left
            take()
            right = binary(precedence + (0 if token == "^" else 1), depth + 1)
            left = function(left, right)

    value = binary(0)
    if position != len(tokens):
        raise ExprError(f"Unexpected {tokens[position]}")
    return format_number(value)


def _tokenize(expression: str) -> list:
    tokens: list = []
    position = 0
    text = expression.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ExprError(f"Unrecognized punctuation character \u201c{text[position]}\u201d")
        number, symbol, word = match.groups()
        if number is not None:
            tokens.append(float(number))
        else:
            tokens.append((symbol or word).lower())
        position = match.end()
        if len(tokens) > 1000:
            raise ExprError("Expression too long")
    return tokens


def format_number(value: float) -> str:
    if math.isnan(value) or math.isinf(value):
        return "NAN" if math.isnan(value) else ("INF" if value > 0 else "-INF")
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.14g}".replace("e+", "E+").replace("e-", "E-")


# --- the functions -----------------------------------------------------------------


def _arg(args: list[str], index: int, expand: Expand, strip: bool = True) -> str:
    if index >= len(args):
        return ""
    value = expand(args[index])
    return value.strip() if strip else value


def _if(first: str, args: list[str], expand: Expand, **_) -> str:
    return _arg(args, 0 if expand(first).strip() else 1, expand)


def _ifeq(first: str, args: list[str], expand: Expand, **_) -> str:
    left, right = expand(first).strip(), _arg(args, 0, expand)
    return _arg(args, 1 if _equal(left, right) else 2, expand)


def _equal(left: str, right: str) -> bool:
    try:
        return float(left) == float(right)
    except ValueError:
        return left == right


def _switch(first: str, args: list[str], expand: Expand, **_) -> str:
    value = expand(first).strip()
    found = False
    default: str | None = None
    for index, raw in enumerate(args):
        if "=" in raw and not _inside_braces(raw):
            key, _eq, result = raw.partition("=")
            key_value = expand(key).strip()
            if found or _equal(key_value, value):
                return expand(result).strip()
            if key_value == "#default":
                default = result
        else:
            case = expand(raw).strip()
            if _equal(case, value):
                found = True
            elif index == len(args) - 1:
                default = raw  # a last value with no "=" is the default
    return expand(default).strip() if default is not None else ""


def _inside_braces(raw: str) -> bool:
    # "a=b" inside a nested {{…}} or [[…]] is not this switch's "="
    before = raw.split("=", 1)[0]
    return before.count("{{") > before.count("}}") or before.count("[[") > before.count("]]")


def _expr(first: str, args: list[str], expand: Expand, **_) -> str:
    try:
        return evaluate(expand(first))
    except ExprError as error:
        return f'<strong class="error">Expression error: {error}.</strong>'


def _ifexpr(first: str, args: list[str], expand: Expand, **_) -> str:
    try:
        result = evaluate(expand(first))
    except ExprError as error:
        return f'<strong class="error">Expression error: {error}.</strong>'
    return _arg(args, 0 if result not in {"", "0"} else 1, expand)


def _iferror(first: str, args: list[str], expand: Expand, **_) -> str:
    value = expand(first)
    if re.search(r'class="error', value):
        return _arg(args, 0, expand)
    return _arg(args, 1, expand) if len(args) > 1 else value.strip()


def _ifexist(first: str, args: list[str], expand: Expand, *, exists, **_) -> str:
    return _arg(args, 0 if exists(expand(first).strip()) else 1, expand)


def _tag(first: str, args: list[str], expand: Expand, **_) -> str:
    name = expand(first).strip().lower()
    if not re.fullmatch(r"[a-z][a-z0-9]*", name):
        return ""
    content = _arg(args, 0, expand, strip=False) if args else ""
    attributes = []
    for raw in args[1:]:
        key, equals, value = expand(raw).partition("=")
        if equals and re.fullmatch(r"\s*[A-Za-z][\w-]*\s*", key):
            value = value.strip().strip("\"'").replace('"', "&quot;")
            attributes.append(f' {key.strip()}="{value}"')
    return f"<{name}{''.join(attributes)}>{content}</{name}>"


def _titleparts(first: str, args: list[str], expand: Expand, **_) -> str:
    parts = expand(first).strip().split("/")
    count = int(_arg(args, 0, expand) or 0) if _arg(args, 0, expand).lstrip("-").isdigit() else 0
    start = _arg(args, 1, expand)
    start_index = int(start) - 1 if start.lstrip("-").isdigit() and int(start) > 0 else 0
    if start.startswith("-") and start[1:].isdigit():
        start_index = max(len(parts) + int(start), 0)
    selected = parts[start_index:]
    if count > 0 or count < 0:
        selected = selected[:count]
    return "/".join(selected)


def _pad(left: bool):
    def pad(first: str, args: list[str], expand: Expand, **_) -> str:
        text = expand(first).strip()
        width_text = _arg(args, 0, expand)
        width = min(int(width_text), 500) if width_text.isdigit() else 0
        filler = _arg(args, 1, expand) or "0"
        if len(text) >= width or not filler:
            return text
        padding = (filler * width)[: width - len(text)]
        return padding + text if left else text + padding

    return pad


def _simple(function: Callable[[str], str]):
    return lambda first, args, expand, **_: function(expand(first).strip())


def _first_case(text: str, upper: bool) -> str:
    if not text:
        return text
    return (text[0].upper() if upper else text[0].lower()) + text[1:]


FUNCTIONS: dict[str, Callable[..., str]] = {
    "#if": _if,
    "#ifeq": _ifeq,
    "#switch": _switch,
    "#expr": _expr,
    "#ifexpr": _ifexpr,
    "#iferror": _iferror,
    "#ifexist": _ifexist,
    "#tag": _tag,
    "#titleparts": _titleparts,
    "padleft": _pad(True),
    "padright": _pad(False),
    "lc": _simple(str.lower),
    "uc": _simple(str.upper),
    "lcfirst": _simple(lambda s: _first_case(s, False)),
    "ucfirst": _simple(lambda s: _first_case(s, True)),
    "urlencode": _simple(lambda s: quote_plus(s)),
    "anchorencode": _simple(lambda s: re.sub(r"\s+", "_", s.strip())),
    "formatnum": _simple(lambda s: _formatnum(s)),
    "#len": _simple(lambda s: str(len(s))),
}


def _formatnum(text: str) -> str:
    match = re.fullmatch(r"(-?)(\d+)(\.\d+)?", text)
    if not match:
        return text
    sign, whole, fraction = match.groups()
    return f"{sign}{int(whole):,}{fraction or ''}"


def call(name: str, first: str, args: list[str], expand: Expand, *, exists) -> str | None:
    """Call the function ``name`` (``#if``, ``lc``…); ``None`` if there is no such function."""
    function = FUNCTIONS.get(name.lower())
    if function is None:
        return None
    return function(first, args, expand, exists=exists)
