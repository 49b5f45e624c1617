"""Golden files: many cases a file, wikitext in, MyST out, side by side.

A case starts with a line ``~~~ case: <name>``; its wikitext runs to a line ``~~~ myst``
and the expected MyST from there to the next case. ``pytest --update-goldens``
rewrites the expected parts from what the converter writes now.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

CASE = re.compile(r"^~~~ case: (.+)$", re.MULTILINE)
SPLIT = "\n~~~ myst\n"


@dataclasses.dataclass
class Case:
    name: str
    wikitext: str
    expected: str


def read_cases(path: Path) -> list[Case]:
    text = path.read_text("utf-8")
    heads = list(CASE.finditer(text))
    cases = []
    for i, head in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        body = text[head.end() + 1 : end]
        if SPLIT not in "\n" + body:
            raise ValueError(f"{path.name}: case {head.group(1)!r} has no '~~~ myst' line")
        wikitext, expected = ("\n" + body).split(SPLIT, 1)
        cases.append(Case(head.group(1).strip(), wikitext[1:].rstrip("\n"), expected.rstrip("\n")))
    return cases


def write_cases(path: Path, cases: list[Case]) -> None:
    out = []
    for case in cases:
        out.append(f"~~~ case: {case.name}\n{case.wikitext}\n~~~ myst\n{case.expected}\n")
    path.write_text("\n".join(out), "utf-8")
