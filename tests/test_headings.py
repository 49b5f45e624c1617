"""Headings pandoc reads as raw HTML (pandoc_ast.html_headings); the rest is in the goldens."""

from __future__ import annotations

from mw2sphinx.pandoc_ast import html_headings


def test_html_headings_become_headers() -> None:
    def raw(tag: str) -> dict:
        return {"t": "RawBlock", "c": ["html", tag]}

    text = {"t": "Para", "c": [{"t": "Str", "c": "A"}]}
    header = {"t": "Header", "c": [3, ["", [], []], [{"t": "Str", "c": "A"}]]}
    assert html_headings([raw("<h3 id=x>"), text, raw("</h3>")]) == [header]
    # around a block that is no text, or never closed: left as it is
    table = {"t": "Table", "c": []}
    assert html_headings([raw("<h3>"), table, raw("</h3>")]) == [raw("<h3>"), table, raw("</h3>")]
    assert html_headings([raw("<h3>"), text]) == [raw("<h3>"), text]
    div = {"t": "Div", "c": [["", [], []], [raw("<h3>"), text, raw("</h3>")]]}
    assert html_headings([div]) == [{"t": "Div", "c": [["", [], []], [header]]}]
