"""Every image a wiki shows, in the books too: SVG, GIF and WebP converted where needed.

LaTeX takes PDF, PNG and JPEG; EPUB 3.2 takes SVG, PNG, GIF and JPEG. What a builder
cannot take, Sphinx's image converters (post-transforms) turn into what it can:

- SVG -> PDF with librsvg's ``rsvg-convert`` (Debian's ``librsvg2-bin``), through
  ``sphinxcontrib-svg2pdfconverter``: the drawing stays vector, and librsvg is the
  renderer MediaWiki itself uses for SVG thumbnails. About 35 ms a drawing.
- GIF and WebP -> PNG with Pillow: the first frame, as a printed page shows an animation.
"""

from __future__ import annotations

import os
from typing import Any

from sphinx.application import Sphinx
from sphinx.transforms.post_transforms.images import ImageConverter

from . import __version__


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


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinxcontrib.rsvgconverter")
    app.add_post_transform(PillowConverter)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
