"""Galleries (layout.py) beyond the golden files: a gallery line's options, and the wiki's
bad image list, which makes a gallery show a file by its name."""

from __future__ import annotations

from pathlib import Path

from mw2sphinx import titles as t
from mw2sphinx.files import bad_images
from mw2sphinx.layout import gallery_file
from mw2sphinx.model import Page, SiteInfo, Wiki, WikiFile
from wikis import tree_of

SITE = SiteInfo(name="Gallery Wiki")
EXAMPLE = Path(__file__).parent / "fixtures" / "files" / "Example.png"


def test_only_alt_link_and_a_handlers_options_are_options_in_a_gallery():
    use = gallery_file("File:A.png", ["300px", "thumb", " centre"])
    assert (use.caption, use.width, use.format, use.align) == ("centre", None, "gallery", "")
    use = gallery_file("File:A.png", ["alt=''Alt''", "link=Page", "page=2", "Caption"])
    assert (use.alt, use.link, use.caption) == ("Alt", "Page", "Caption")
    # a document's page is its handler's option; for an image it is the caption
    assert gallery_file("File:A.pdf", ["page=2"]).caption == ""


def test_the_bad_image_list_as_mediawiki_reads_it():
    namespaces = t.Namespaces(SITE)
    text = "Files:\n* [[File:Bad.jpg]] except on [[Nasty page]] and [[:Talk:Other]]\n* no link\n"
    assert bad_images(text, namespaces) == {"File:Bad.jpg": frozenset({"Nasty page", "Talk:Other"})}


def test_a_gallery_shows_a_bad_image_by_its_name_except_where_the_list_allows_it():
    gallery = "<gallery>\nFile:Example.png|A caption\n</gallery>\n"
    pages = {
        "MediaWiki:Bad image list": Page(
            "MediaWiki:Bad image list", 8, "* [[File:Example.png]] except [[Allowed]]"
        ),
        "Main Page": Page("Main Page", 0, gallery),
        "Allowed": Page("Allowed", 0, gallery),
    }
    files = {"File:Example.png": WikiFile("File:Example.png", path=str(EXAMPLE))}
    tree = tree_of(Wiki(site=SITE, pages=pages, files=files))
    main, allowed = str(tree["index.md"]), str(tree["pages/Allowed.md"])
    assert "{image}" not in main and "File:Example.png\n\nA caption" in main
    assert "{image} /media/Example.png" in allowed


def test_a_gallery_links_url_runs_on_through_a_pipe() -> None:
    """MediaWiki's legacy parser reads a gallery line's options as wiki text before it
    splits them: a free URL there holds the "|" after it."""
    from mw2sphinx.layout import gallery_options

    assert gallery_options("link=http://a.example/x|odd") == ["link=http://a.example/x|odd"]
    assert gallery_options("odd|link=http://a.example/") == ["odd", "link=http://a.example/"]
    assert gallery_options("link=Page|odd") == ["link=Page", "odd"]
