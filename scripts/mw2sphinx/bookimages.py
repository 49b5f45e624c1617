"""Every image a wiki shows, in the books too: converted where needed, galleries as tables.

LaTeX takes PDF, PNG and JPEG; EPUB 3.2 takes SVG, PNG, GIF and JPEG. What a builder
cannot take, Sphinx's image converters (post-transforms) turn into what it can:

- SVG -> PDF with librsvg's ``rsvg-convert`` (Debian's ``librsvg2-bin``), through
  ``sphinxcontrib-svg2pdfconverter``: the drawing stays vector, and librsvg is the
  renderer MediaWiki itself uses for SVG thumbnails. About 35 ms a drawing.
- GIF and WebP -> PNG with Pillow: the first frame, as a printed page shows an animation.

A book cannot open, close or switch, so sphinx-design's layout gets a static form there
(:class:`StaticLayout`): a gallery's grid becomes a table of its cards (as many columns as
the grid has on a wide screen, at most four), dropdowns are open, and a tab set is its tabs
one after the other, each under its label. (In LaTeX sphinx-design already writes dropdowns
and tabs so; the ePub, an HTML book, is given the same.) In the PDF a floated thumbnail is
centred: LaTeX's wrapfigure loses one of two floated figures that meet.
"""

from __future__ import annotations

import os
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.transforms.post_transforms.images import ImageConverter

from . import __version__
from .exports import is_export

#: The most columns a gallery has in a book: four 120 px images fill an A4 text width.
BOOK_COLUMNS = 4


class PillowConverter(ImageConverter):
    """GIF and WebP as PNG (their first frame) for builders that cannot show them."""

    conversion_rules: list[tuple[str, str]] = [  # noqa: RUF012  # as Sphinx declares it
        ("image/gif", "image/png"),
        ("image/webp", "image/png"),
    ]

    def is_available(self) -> bool:
        try:
            import PIL  # noqa: F401
        except ImportError:
            return False
        return True

    def convert(self, _from: str | os.PathLike[str], _to: str | os.PathLike[str]) -> bool:
        from PIL import Image

        with Image.open(_from) as image:
            image.seek(0)
            frame = image.convert("RGBA" if "transparency" in image.info else "RGB")
            frame.save(_to, "PNG")
        return True


def _component(node: nodes.Node, name: str) -> bool:
    return isinstance(node, nodes.Element) and node.get("design_component") == name


def gallery_table(grid: nodes.Element) -> nodes.table:
    """A gallery's grid as a table: its cards' contents, row by row."""
    cards = [n for n in grid.findall(nodes.Element) if _component(n, "card-body")]
    widest = 1
    for row in grid.findall(nodes.Element):
        classes: list[str] = row.get("classes", []) if _component(row, "grid-row") else []
        for css in classes:
            if css.startswith("sd-row-cols-") and css.rsplit("-", 1)[-1].isdigit():
                widest = max(widest, int(css.rsplit("-", 1)[-1]))
    columns = max(1, min(widest, BOOK_COLUMNS, len(cards)))
    table = nodes.table(classes=["wiki-gallery-table", *grid.get("classes", [])[-2:]])
    group = nodes.tgroup(cols=columns)
    table += group
    group += [nodes.colspec(colwidth=1) for _ in range(columns)]
    body = nodes.tbody()
    group += body
    for start in range(0, len(cards), columns):
        row = nodes.row()
        for card in cards[start : start + columns]:
            row += nodes.entry("", *card.children)
        for _ in range(columns - len(row.children)):
            row += nodes.entry()
        body += row
    return table


def _static_dropdown(dropdown: nodes.Element) -> nodes.container:
    """A dropdown as its title (a rubric) and its content."""
    out = nodes.container(classes=["wiki-collapsible-static"])
    body = dropdown.children
    if dropdown.get("has_title") and body:
        out += nodes.rubric("", "", *body[0].children)
        body = body[1:]
    out += body
    return out


def _static_tab_set(tab_set: nodes.Element) -> nodes.container:
    """A tab set as its tabs in a row, each label a rubric above its content."""
    out = nodes.container(classes=["wiki-tabs-static"])
    for item in tab_set.children:
        if not _component(item, "tab-item"):
            continue
        for child in item.children:
            if _component(child, "tab-content"):
                out += child.children
            else:
                out += child
    return out


class StaticLayout(SphinxPostTransform):
    """Galleries, dropdowns and tab sets as a book shows them; before sphinx-design's own
    HTML transforms (199, 200) and LaTeX's table fitting."""

    default_priority = 150

    def is_supported(self) -> bool:
        return is_export(self.app.builder)

    def run(self, **kwargs: Any) -> None:
        for grid in list(self.document.findall(nodes.container)):
            if _component(grid, "grid-container") and "wiki-gallery" in grid["classes"]:
                grid.replace_self(gallery_table(grid))
        if self.app.builder.format == "latex":
            # A thumbnail floated beside the text becomes LaTeX's wrapfigure, and of two that
            # meet, wrapfig drops one from the page: in the PDF a figure stands on its own.
            for figure in self.document.findall(nodes.figure):
                if figure.get("align") in {"left", "right"}:
                    figure["align"] = "center"
        html = self.app.builder.format == "html"
        for node in list(self.document.findall(nodes.Element)):
            if _component(node, "dropdown"):
                node["opened"] = True
                if html:  # its HTML carries inline SVG icons, which an ePub may not
                    node.replace_self(_static_dropdown(node))
            elif _component(node, "tab-set") and html:
                node.replace_self(_static_tab_set(node))


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinxcontrib.rsvgconverter")
    app.add_post_transform(PillowConverter)
    app.add_post_transform(StaticLayout)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
