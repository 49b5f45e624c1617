"""``mw.language:formatDate``: MediaWiki's date format (Language::sprintfDate), English.

The codes modules use (those of PHP's ``date()`` and ``{{#time:}}``): ``Y y L n m M F j d D
l N w z W t H G h g i s a A U c r e T``, ``xg`` (genitive month, English: the month),
backslash escapes and ``"quoted text"``. The time is ``now`` (UTC), an ISO 8601 date or
time, ``YYYYMMDDHHMMSS`` or ``@seconds``; anything else is an error.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

MONTHS = [calendar.month_name[i] for i in range(1, 13)]
DAYS = [calendar.day_name[i] for i in range(7)]  # Monday first, as weekday()


class BadDate(ValueError):
    pass


_ISO = re.compile(
    r"(\d{4})-?(\d{2})?-?(\d{2})?"  # date
    r"(?:[T ](\d{2}):?(\d{2})?:?(\d{2})?(?:\.\d+)?)?"  # time
    r"\s*(Z|[+-]\d{2}:?\d{2})?$"  # zone
)


def parse_time(text: str | None, *, now: dt.datetime | None = None) -> dt.datetime:
    """The moment a formatDate call means (UTC)."""
    now = now or dt.datetime.now(dt.UTC)
    text = (text or "").strip()
    if text in ("", "now"):
        return now
    if text.startswith("@") and re.fullmatch(r"@-?\d+", text):
        return dt.datetime.fromtimestamp(int(text[1:]), dt.UTC)
    if re.fullmatch(r"\d{14}", text):
        return dt.datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC)
    match = _ISO.match(text)
    if match is None:
        raise BadDate(f"invalid timestamp '{text}'")
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        moment = dt.datetime(
            int(year), int(month or 1), int(day or 1), int(hour or 0), int(minute or 0),
            int(second or 0), tzinfo=dt.UTC,
        )  # fmt: skip
    except ValueError as error:
        raise BadDate(f"invalid timestamp '{text}' ({error})") from None
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        hours, minutes = int(zone[1:3]), int(zone[-2:])
        moment -= sign * dt.timedelta(hours=hours, minutes=minutes)
    return moment


def _hour12(t: dt.datetime) -> int:
    return t.hour % 12 or 12


CODES = {
    "Y": lambda t: str(t.year),
    "y": lambda t: f"{t.year % 100:02d}",
    "L": lambda t: "1" if calendar.isleap(t.year) else "0",
    "n": lambda t: str(t.month),
    "m": lambda t: f"{t.month:02d}",
    "M": lambda t: MONTHS[t.month - 1][:3],
    "F": lambda t: MONTHS[t.month - 1],
    "j": lambda t: str(t.day),
    "d": lambda t: f"{t.day:02d}",
    "D": lambda t: DAYS[t.weekday()][:3],
    "l": lambda t: DAYS[t.weekday()],
    "N": lambda t: str(t.isoweekday()),
    "w": lambda t: str(t.isoweekday() % 7),
    "z": lambda t: str(t.timetuple().tm_yday - 1),
    "W": lambda t: f"{t.isocalendar()[1]:02d}",
    "o": lambda t: str(t.isocalendar()[0]),
    "t": lambda t: str(calendar.monthrange(t.year, t.month)[1]),
    "H": lambda t: f"{t.hour:02d}",
    "G": lambda t: str(t.hour),
    "h": lambda t: f"{_hour12(t):02d}",
    "g": lambda t: str(_hour12(t)),
    "i": lambda t: f"{t.minute:02d}",
    "s": lambda t: f"{t.second:02d}",
    "a": lambda t: "am" if t.hour < 12 else "pm",
    "A": lambda t: "AM" if t.hour < 12 else "PM",
    "U": lambda t: str(int(t.timestamp())),
    "c": lambda t: t.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
    "r": lambda t: t.strftime("%a, %d %b %Y %H:%M:%S +0000"),
    "e": lambda t: "UTC",
    "T": lambda t: "UTC",
    "P": lambda t: "+00:00",
    "O": lambda t: "+0000",
    "Z": lambda t: "0",
}
#: Two-letter codes (MediaWiki's x-prefixed ones that mean something in English).
LONG_CODES = {"xg": CODES["F"], "xn": lambda t: "", "xN": lambda t: ""}


def format_date(fmt: str, moment: dt.datetime) -> str:
    """``fmt`` as Language::sprintfDate writes ``moment``."""
    out: list[str] = []
    i = 0
    while i < len(fmt):
        char = fmt[i]
        pair = fmt[i : i + 2]
        if pair in LONG_CODES:
            out.append(LONG_CODES[pair](moment))
            i += 2
        elif char == "\\" and i + 1 < len(fmt):
            out.append(fmt[i + 1])
            i += 2
        elif char == '"':
            end = fmt.find('"', i + 1)
            if end < 0:
                out.append('"')
                i += 1
            else:
                out.append(fmt[i + 1 : end])
                i = end + 1
        elif char in CODES:
            out.append(CODES[char](moment))
            i += 1
        else:
            out.append(char)
            i += 1
    return "".join(out)
