"""MediaWiki's own data, read at run time from an installed MediaWiki (Debian's ``mediawiki``
package, ``/usr/share/mediawiki``, or ``$MW2SPHINX_MEDIAWIKI``); nothing of it is copied into
this project.

- the default messages in English (``languages/i18n/en.json``): what ``{{int:…}}`` and
  ``{{MediaWiki:…}}`` show where the wiki has no ``MediaWiki:`` page of its own;
- the languages' names in their own languages (``Names.php``), for ``{{#language:}}``;
- the internal language codes that are not BCP 47 codes, and what BCP 47 calls them
  (``LanguageCode.php``), for ``{{#bcp47:}}``.

Without an installed MediaWiki each of these is empty: the expand stage then shows a
message as MediaWiki shows one it does not know (``⧼name⧽``) and warns.
"""

from __future__ import annotations

import functools
import json
import os
import re
from pathlib import Path

#: Where MediaWiki is installed.
MEDIAWIKI = Path(os.environ.get("MW2SPHINX_MEDIAWIKI", "/usr/share/mediawiki"))

# MediaWiki 1.39 keeps Names.php under includes/languages/data/; older ones under languages/.
_NAMES = ("includes/languages/data/Names.php", "languages/data/Names.php", "languages/Names.php")
_LANGUAGE_CODE = ("includes/language/LanguageCode.php", "languages/LanguageCode.php")
# One entry of a PHP array of strings: 'key' => 'value'.
_PHP_ENTRY = re.compile(r"^\s*'([A-Za-z0-9-]+)'\s*=>\s*'((?:[^'\\]|\\.)*)'", re.MULTILINE)


def _first_file(names: tuple[str, ...]) -> Path | None:
    return next((MEDIAWIKI / name for name in names if (MEDIAWIKI / name).is_file()), None)


def _php_strings(text: str) -> dict[str, str]:
    return {key: re.sub(r"\\(.)", r"\1", value) for key, value in _PHP_ENTRY.findall(text)}


def _read(path: Path | None) -> str:
    if path is None:
        return ""
    try:
        return path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


@functools.cache
def messages() -> dict[str, str]:
    """MediaWiki's English messages by key (``mainpage`` -> ``Main Page``); {} without it."""
    text = _read(_first_file(("languages/i18n/en.json",)))
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str) and not k.startswith("@")}


def installed() -> bool:
    """Whether MediaWiki's messages could be read."""
    return bool(messages())


def message_key(name: str) -> str:
    """The key of a message as MediaWiki's message cache reads a name: spaces as
    underscores, the first letter in lower case (``History short`` -> ``history_short``)."""
    key = name.strip().replace(" ", "_")
    return key[:1].lower() + key[1:]


def message(name: str) -> str | None:
    """The default text of the message ``name`` in English, or ``None``."""
    return messages().get(message_key(name))


@functools.cache
def autonyms() -> dict[str, str]:
    """The languages MediaWiki knows, by code, each named in itself (``ar`` -> ``العربية``)."""
    text = _read(_first_file(_NAMES))
    start = text.find("$names")
    return _php_strings(text[start:]) if start >= 0 else {}


@functools.cache
def _code_mappings() -> tuple[dict[str, str], dict[str, str]]:
    """The deprecated codes and their replacements; the non-standard codes and their BCP 47
    codes (LanguageCode's two constant arrays)."""
    text = _read(_first_file(_LANGUAGE_CODE))

    def array(name: str) -> dict[str, str]:
        start = text.find(name)
        if start < 0:
            return {}
        end = text.find("];", start)
        return _php_strings(text[start : end if end > 0 else len(text)])

    return array("DEPRECATED_LANGUAGE_CODE_MAPPING"), array("NON_STANDARD_LANGUAGE_CODE_MAPPING")


def bcp47(code: str) -> str:
    """The BCP 47 tag of one of MediaWiki's language codes (``sr-ec`` -> ``sr-Cyrl``,
    ``simple`` -> ``en-simple``): the code mapped as MediaWiki maps it, then each subtag in
    its case (regions in capitals, scripts capitalised, private-use subtags in lower case)."""
    deprecated, non_standard = _code_mappings()
    code = code.strip().lower()
    code = deprecated.get(code, code)
    code = non_standard.get(code, code)
    subtags = code.split("-")
    out = []
    for number, subtag in enumerate(subtags):
        if number > 0 and subtags[number - 1].lower() == "x":
            out.append(subtag.lower())
        elif number > 0 and len(subtag) == 2:
            out.append(subtag.upper())
        elif number > 0 and len(subtag) == 4:
            out.append(subtag.capitalize())
        else:
            out.append(subtag.lower())
    return "-".join(out)


def internal_code(code: str) -> str:
    """MediaWiki's own code for a language given by its BCP 47 tag (``de-x-formal`` ->
    ``de-formal``), or the code in lower case."""
    code = code.strip().lower()
    if code in autonyms():
        return code
    _deprecated, non_standard = _code_mappings()
    for internal, standard in non_standard.items():
        if standard.lower() == code:
            return internal
    return code


def language_name(code: str) -> str:
    """``{{#language:code}}``: the language's name in itself, else its BCP 47 tag (no code:
    the wiki's language, English)."""
    internal = internal_code(code) or "en"
    return autonyms().get(internal) or bcp47(code)
