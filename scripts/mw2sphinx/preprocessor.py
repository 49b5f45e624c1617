"""Brackets as MediaWiki's preprocessor reads them, where mwparserfromhell reads them otherwise.

MediaWiki's preprocessor (``Preprocessor_Hash::preprocessToObj``) knows two kinds of
brackets: braces (templates, arguments) and double square brackets. An opened ``[[`` is
looked for only its ``]]``: a ``}}`` after it is text, also when the link never closes, so
``{{1x|[[Foo}}`` is no template call at all and ``{{1x|[[Foo}}|bar]]|bat}}`` is one with
``[[Foo}}|bar]]`` as its first argument. A single ``[`` means nothing to it: the ``|`` of
``{{1x|[http://x |y]}}`` ends the argument. mwparserfromhell reads a link only where its
title is valid and reads ``[http://x |y]`` as one external link; :func:`for_mwparserfromhell`
writes the text so that it finds the preprocessor's templates and arguments, and
:func:`restored` puts back what it hid.
"""

from __future__ import annotations

import re

from .vocabulary import URL_PROTOCOLS

#: a "[" that opens an external link, hidden from mwparserfromhell (and put back)
HIDDEN_BRACKET = "\ue002"
#: a "}" of a "}}" the preprocessor reads as text: a character reference, which the later
#: stages read as the text it is (a "}}" would be a template's end to pandoc).
TEXT_BRACE = "&#125;"

_TOKEN = re.compile(r"<!--.*?(?:-->|\Z)|\{{2,}|\}{2,}|\[{2,}|\]{2,}", re.DOTALL)
_EXTERNAL = re.compile(
    r"(?<!\[)\[(?!\[)(?=(?:" + "|".join(re.escape(p) for p in (*URL_PROTOCOLS, "//")) + "))",
    re.IGNORECASE,
)


def _text_braces(text: str) -> list[tuple[int, int]]:
    """Where a ``}}`` stands after an open ``[[`` above an open template: (start, end)."""
    stack: list[list] = []  # [kind, count] of the open brackets, innermost last
    found: list[tuple[int, int]] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        kind = token[0]
        if kind == "<":
            continue  # a comment: no brackets in it
        if kind in "{[":
            stack.append([kind, len(token)])
            continue
        top = stack[-1] if stack else None
        if kind == "]":  # each "]]" of the run ends a "[[" (the rest is text)
            left = len(token)
            while left >= 2 and stack and stack[-1][0] == "[":
                stack[-1][1] -= 2
                left -= 2
                if stack[-1][1] < 2:
                    stack.pop()
            continue
        # closing braces: a template or an argument ends, or, after a "[[", text
        if top is not None and top[0] == "{":
            left = len(token)
            while left >= 2 and stack and stack[-1][0] == "{":
                matched = min(left, stack[-1][1], 3)
                stack[-1][1] -= matched
                left -= matched
                if stack[-1][1] < 2:
                    stack.pop()
            continue
        if top is not None and any(kind == "{" for kind, _ in stack):
            found.append(match.span())
    return found


def for_mwparserfromhell(text: str) -> str:
    """The text with the brackets the preprocessor does not read as mwparserfromhell would
    hidden from it (see above)."""
    if "[" not in text:
        return text
    if "{{" in text and "[[" in text:
        spans = _text_braces(text)
        for start, end in reversed(spans):
            text = text[:start] + TEXT_BRACE * (end - start) + text[end:]
    return _EXTERNAL.sub(HIDDEN_BRACKET, text)


def restored(text: str) -> str:
    """What :func:`for_mwparserfromhell` hid from mwparserfromhell, back in the text."""
    return text.replace(HIDDEN_BRACKET, "[")
