"""ParserFunctions and the string functions of core MediaWiki, for the expand stage.

Each function gets its arguments as *unexpanded* wikitext and an ``expand``
callable, so that only the branch MediaWiki would take is ever expanded (this
is what keeps ``{{#if:…}}`` around a recursive call from looping).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from urllib.parse import quote, quote_plus

from . import mwdata
from .titles import url_title

Expand = Callable[[str], str]

#: A literal block (``<nowiki>…</nowiki>``) the expand stage took out of the text, as
#: MediaWiki's strip markers; no case change touches it.
STRIP_MARKER = "\x7f{}\x7f"
STRIP_MARKER_RE = re.compile("\x7f(\\d+)\x7f")


def kill_markers(text: str) -> str:
    """What MediaWiki's killMarkers() leaves: the text without the literal blocks in it."""
    return STRIP_MARKER_RE.sub("", text)


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
    tokens = _tokenize(expression)
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
        filler = kill_markers(_arg(args, 1, expand)) or "0"
        if len(text) >= width or not filler:
            return text
        padding = (filler * width)[: width - len(text)]
        return padding + text if left else text + padding

    return pad


def _simple(function: Callable[[str], str]):
    return lambda first, args, expand, **_: function(expand(first).strip())


def plural(number: str, forms: list[str]) -> str:
    """``{{PLURAL:n|one|other}}`` in English: an explicit ``n=form`` that matches first,
    then the first form for 1 and the second (or the last there is) for any other number."""
    number = number.strip().replace(",", "")
    explicit = [form for form in forms if re.match(r"\s*\d+=", form)]
    for form in explicit:
        key, _, value = form.partition("=")
        if key.strip() == number:
            return value
    forms = [form for form in forms if form not in explicit]
    if not forms:
        return ""
    try:
        one = float(number) == 1 and "." not in number
    except ValueError:
        one = False
    return forms[0] if one else forms[min(1, len(forms) - 1)]


def gender(forms: list[str]) -> str:
    """``{{GENDER:user|male|female|neutral}}``: the converter knows no one's gender, so the
    neutral form (the third, else the last of the first two, else the first)."""
    if not forms:
        return ""
    padded = forms + [forms[-1]] * max(0, 2 - len(forms))
    return padded[2] if len(padded) > 2 else padded[0]


def _forms(args: list[str], expand: Expand) -> list[str]:
    return [_arg(args, i, expand) for i in range(len(args))]


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
    "urlencode": lambda first, args, expand, **_: urlencode(
        kill_markers(expand(first)).strip(), _arg(args, 0, expand)
    ),
    "anchorencode": _simple(lambda s: anchorencode(kill_markers(s))),
    "formatnum": lambda first, args, expand, **_: formatnum(
        expand(first).strip(), {_arg(args, i, expand).upper() for i in range(len(args))}
    ),
    "#len": _simple(lambda s: str(len(s))),
    "#dir": lambda first, args, expand, **_: text_direction(expand(first)),
    "#formatdate": lambda first, args, expand, **_: formatdate(
        expand(first).strip(), _arg(args, 0, expand)
    ),
    "#dateformat": lambda first, args, expand, **_: formatdate(
        expand(first).strip(), _arg(args, 0, expand)
    ),
    "plural": lambda first, args, expand, **_: plural(expand(first), _forms(args, expand)),
    "gender": lambda first, args, expand, **_: gender(_forms(args, expand)),
    "grammar": lambda first, args, expand, **_: _arg(args, 0, expand),  # English has no cases
    # the language's name in itself: without CLDR, MediaWiki names no language in another
    "#language": lambda first, args, expand, **_: mwdata.language_name(expand(first)),
    "#bcp47": _simple(mwdata.bcp47),
}


# --- URLs and anchors ---------------------------------------------------------------


def urlencode(text: str, mode: str = "") -> str:
    """``{{urlencode:text|QUERY}}`` (the default: PHP's urlencode), ``|WIKI`` (a title in a
    URL: spaces as underscores) or ``|PATH`` (PHP's rawurlencode)."""
    mode = mode.strip().upper()
    if mode == "WIKI":
        return url_title(text)
    if mode == "PATH":
        return quote(text, safe="~")
    return quote_plus(text, safe="")


def anchorencode(text: str) -> str:
    """``{{anchorencode:}}``: the fragment a link to a heading of this text has (HTML5 ids:
    whitespace as underscores, nothing escaped that a URL fragment may hold)."""
    return re.sub(r"[ \t\n\r\f_]+", "_", text.strip())


#: The languages MediaWiki writes right to left (``{{#dir:}}``), by code.
RTL_LANGUAGES = frozenset(
    "ar arc arz ary azb bcc bgn bqi ckb dv fa glk he khw kk-arab kk-cn ks ks-arab lki luz "
    "mzn nqo pnb ps sd sdh skr ug ug-arab ur ydd yi".split()
)


def text_direction(code: str) -> str:
    """``{{#dir:fa}}``: ``rtl`` or ``ltr`` (also for a code it does not know)."""
    return "rtl" if code.strip().lower() in RTL_LANGUAGES else "ltr"


#: ``{{#contentmodel:…|Title}}``: the content model of a page, by its name's ending.
CONTENT_MODELS = {".js": "javascript", ".css": "css", ".json": "json"}
#: ... as MediaWiki names them in English (``{{#contentmodel:local}}``).
CONTENT_MODEL_NAMES = {"wikitext": "wikitext", "javascript": "JavaScript", "css": "CSS",
                       "json": "JSON", "Scribunto": "Scribunto module"}  # fmt: skip


def content_model(namespace: int, text: str) -> str:
    if namespace == 828 and not text.endswith("/doc"):
        return "Scribunto"
    if namespace in {2, 8}:  # user and MediaWiki pages: scripts and styles by their names
        for ending, model in CONTENT_MODELS.items():
            if text.endswith(ending):
                return model
    return "wikitext"


# --- numbers ------------------------------------------------------------------------


def formatnum(text: str, flags: set[str] | frozenset[str] = frozenset()) -> str:
    """``{{formatnum:}}`` in English: thousands separated by commas; ``R`` reads a formatted
    number back, ``NOSEP`` leaves the separators out, ``LOSSLESS`` keeps every digit of a
    number a double cannot hold, unformatted (otherwise it is rounded, as MediaWiki does)."""
    if "R" in flags:
        return text.replace(",", "")
    match = re.fullmatch(r"([-+]?)(\d+)(\.\d+)?", text)
    if not match:
        return text
    sign, whole, fraction = match.groups()
    value = int(whole)
    exact = value < 2**53  # a double holds it
    if not exact and "LOSSLESS" not in flags:
        value, exact = int(float(whole)), True
    # A number a double cannot hold, kept whole (LOSSLESS), is shown as written.
    digits = str(value) if "NOSEP" in flags or not exact else f"{value:,}"
    return f"{'-' if sign == '-' else ''}{digits}{fraction or ''}"


# --- dates and the clock --------------------------------------------------------------

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # fmt: skip
DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
_MONTH_NUMBERS = {name.lower(): n for n, name in enumerate(MONTHS, 1)} | {
    name[:3].lower(): n for n, name in enumerate(MONTHS, 1)
}


def clock_variables(now: dt.datetime) -> dict[str, str]:
    """``{{CURRENTYEAR}}``, ``{{LOCALDAYNAME}}`` and the other clock variables at ``now``
    (UTC; the local ones are the same, as on a wiki whose time zone is UTC)."""
    weekday = (now.weekday() + 1) % 7  # MediaWiki counts from Sunday
    values = {
        "YEAR": str(now.year),
        "MONTH": f"{now.month:02d}",
        "MONTH2": f"{now.month:02d}",
        "MONTH1": str(now.month),
        "MONTHNAME": MONTHS[now.month - 1],
        "MONTHNAMEGEN": MONTHS[now.month - 1],
        "MONTHABBREV": MONTHS[now.month - 1][:3],
        "DAY": str(now.day),
        "DAY2": f"{now.day:02d}",
        "DOW": str(weekday),
        "DAYNAME": DAYS[weekday],
        "TIME": f"{now.hour:02d}:{now.minute:02d}",
        "HOUR": f"{now.hour:02d}",
        "WEEK": str(now.isocalendar()[1]),
        "TIMESTAMP": now.strftime("%Y%m%d%H%M%S"),
    }
    return {prefix + key: value for prefix in ("CURRENT", "LOCAL") for key, value in values.items()}


def parse_clock(text: str) -> dt.datetime:
    """A moment given as ISO 8601 (``1970-01-01T00:02:03Z``); "" is now."""
    if not text:
        return dt.datetime.now(dt.UTC)
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.astimezone(dt.UTC) if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


_ISO_DATE = re.compile(r"(-?\d{1,4})-(\d\d)-(\d\d)")
_WORD_DATE = (
    (re.compile(r"(\d{1,2}) ([a-z]+)\.? (-?\d{1,4})", re.I), ("d", "m", "y")),
    (re.compile(r"([a-z]+)\.? (\d{1,2}),? (-?\d{1,4})", re.I), ("m", "d", "y")),
    (re.compile(r"(-?\d{1,4}) ([a-z]+)\.? (\d{1,2})", re.I), ("y", "m", "d")),
    (re.compile(r"(\d{1,2}) ([a-z]+)\.?", re.I), ("d", "m")),
    (re.compile(r"([a-z]+)\.? (\d{1,2})", re.I), ("m", "d")),
)


def _read_date(text: str) -> tuple[int | None, int, int] | None:
    match = _ISO_DATE.fullmatch(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
        return (year, month, day) if 1 <= month <= 12 and 1 <= day <= 31 else None
    for pattern, order in _WORD_DATE:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        parts = dict(zip(order, match.groups(), strict=True))
        named_month = _MONTH_NUMBERS.get(parts["m"].lower())
        day = int(parts["d"])
        if named_month is None or not 1 <= day <= 31:
            return None
        return (int(parts["y"]) if "y" in parts else None, named_month, day)
    return None


def _year(year: int) -> str:
    return f"{1 - year} BC" if year <= 0 else str(year)


def formatdate(text: str, style: str = "") -> str:
    """``{{#formatdate:date|mdy}}`` (also ``dmy``, ``ymd``, ``ISO 8601``); a date it cannot
    read, or no style, comes back as it was written."""
    date = _read_date(text)
    style = style.strip().lower()
    if date is None or style not in {"mdy", "dmy", "ymd", "iso 8601"}:
        return text
    year, month, day = date
    name = MONTHS[month - 1]
    if style == "iso 8601":
        return f"{year:04d}-{month:02d}-{day:02d}" if year is not None else text
    if year is None:
        return {"mdy": f"{name} {day}", "dmy": f"{day} {name}", "ymd": f"{name} {day}"}[style]
    return {
        "mdy": f"{name} {day}, {_year(year)}",
        "dmy": f"{day} {name} {_year(year)}",
        "ymd": f"{_year(year)} {name} {day}",
    }[style]


def call(name: str, first: str, args: list[str], expand: Expand, *, exists) -> str | None:
    """Call the function ``name`` (``#if``, ``lc``…); ``None`` if there is no such function."""
    function = FUNCTIONS.get(name.lower())
    if function is None:
        return None
    return function(first, args, expand, exists=exists)
