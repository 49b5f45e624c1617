"""What the stages say to each other: the markers one stage leaves in the text for a later
one, and the lists of tags more than one stage reads by."""

from __future__ import annotations

import re

# --- markers --------------------------------------------------------------------------
# In the wikitext from expansion to pandoc, and in pandoc's text nodes after it. They start
# with a digit: a link trail ([[X]]s) takes the letters after a link, and would eat a
# marker that started with one.

_PREFIX = "9MWxQz"
#: a template that is not there (expand.py), by its number in the page's placeholders
PLACEHOLDER = _PREFIX + "TPL{}Q"
#: a <ref> (convert.py), by its number in the page's citations
REF_MARKER = _PREFIX + "REF{}Q"
#: a [[File:…]] (convert.py), by its number in the page's images
IMAGE_MARKER = _PREFIX + "IMG{}Q"
#: a <references /> list (convert.py), by its number in the page's lists
LIST_MARKER = _PREFIX + "LIST{}Q"
LIST_MARKER_RE = re.compile(_PREFIX + r"LIST(\d+)Q")
#: an external link's URL (extlinks.py), by its number in the page's URLs
URL_MARKER = _PREFIX + "URL{}Q"
URL_MARKER_RE = re.compile(_PREFIX + r"URL(\d+)Q")
#: a <gallery> (layout.py), by its number in the page's galleries
GALLERY_MARKER = _PREFIX + "GAL{}Q"
#: ... and around the caption of its file number n, while the page's refs and links are
#: read (layout.py): the caption stays in the text until then, in the page's order
GALLERY_CAPTION_OPEN = '<span title="' + _PREFIX + 'GCAP{}Q">'
GALLERY_CAPTION_CLOSE = _PREFIX + "GCAPEND{}Q</span>"
GALLERY_CAPTION_RE = re.compile(
    '<span title="' + _PREFIX + r'GCAP(\d+)Q">(.*?)' + _PREFIX + r"GCAPEND\1Q</span>", re.DOTALL
)
#: a collapsible block or tab set (layout.py), by its number in the page's boxes
BOX_MARKER = _PREFIX + "BOX{}Q"
#: the markers that stand inline, and those that stand for a block of their own
INLINE_MARKER_RE = re.compile(_PREFIX + r"(REF|TPL|IMG|URL)(\d+)Q")
BLOCK_MARKER_RE = re.compile(_PREFIX + r"(LIST|IMG|GAL|BOX)(\d+)Q")
#: between the fragments of one pandoc run (pandoc_ast.py), a paragraph of its own
SEPARATOR = "MWxQzSEP{}Q"
SEPARATOR_RE = re.compile(r"MWxQzSEP(\d+)Q")

# --- tags -----------------------------------------------------------------------------

#: Tags MediaWiki lets through (its Sanitizer's list and the extension tags it knows);
#: any other tag is shown as text.
ALLOWED_TAGS = frozenset(
    "b bdi bdo del i ins u font big small sub sup h1 h2 h3 h4 h5 h6 cite code em s strike "
    "strong tt var div center blockquote ol ul dl table caption thead tbody tfoot pre ruby "
    "rb rp rt rtc p span abbr dfn kbd samp data time mark br wbr hr li dt dd td th tr q "
    "ref references nowiki math syntaxhighlight source poem gallery includeonly noinclude "
    "onlyinclude templatestyles indicator chem ce score graph timeline categorytree langconvert "
    # the Tabber, TabberNeue and Tabs extensions (sphinx-design tab sets, layout.py)
    "tabber tabs tab".split()
)
#: Tags MediaWiki lets through only with an ``itemprop`` (microdata, Sanitizer): they show
#: nothing; without one they are text.
MICRODATA_TAGS = ("meta", "link")
MICRODATA_TAG_RE = re.compile(r"<(?:meta|link)\b[^>]*\bitemprop\s*=[^>]*>", re.IGNORECASE)
#: The extension tags: MediaWiki's preprocessor does not read what is inside them (the
#: extension does, if it reads it at all); the other allowed tags are text to it.
EXTENSION_TAGS = frozenset(
    "ref references nowiki pre math syntaxhighlight source poem gallery templatestyles "
    "indicator chem ce score graph timeline categorytree tabber tabs tab langconvert".split()
)
#: Tags whose content MediaWiki's preprocessor does not parse: a <ref> in them is text.
VERBATIM_TAGS = ("nowiki", "pre", "math", "syntaxhighlight", "source")
#: ... and the extension tags whose content templates do not expand (expand.py).
UNEXPANDED_TAGS = (*VERBATIM_TAGS, "score", "graph", "chem")
#: Tags a fragment pandoc rejects may have left open (pandoc_ast.recover closes them).
OPENERS = (*VERBATIM_TAGS, "code", "div", "span", "ref")


def alternatives(tags: tuple[str, ...]) -> str:
    """``tags`` as a regular expression's group: ``(a|b|c)``."""
    return "(" + "|".join(tags) + ")"


# --- URLs -----------------------------------------------------------------------------
# Every URL that comes from the source (its pages' links, and the wiki's own addresses from
# its site info) passes these checks, for the web site and the books alike.

#: What MediaWiki links by default ($wgUrlProtocols): a URL must start with one of these,
#: in any case. ``//`` (protocol-relative) is written as https.
URL_PROTOCOLS = (
    "bitcoin:", "ftp://", "ftps://", "geo:", "git://", "gopher://", "http://", "https://",
    "irc://", "ircs://", "magnet:", "mailto:", "matrix:", "mms://", "news:", "nntp://",
    "redis://", "sftp://", "sip:", "sips:", "sms:", "ssh://", "svn://", "tel:", "telnet://",
    "urn:", "worldwind://", "xmpp:",
)  # fmt: skip
#: URL schemes that become links; MyST's ``myst_url_schemes`` must list them too.
URL_SCHEMES = tuple(dict.fromkeys(p.split(":")[0] for p in URL_PROTOCOLS))


def safe_url(url: str) -> str | None:
    """The URL if MediaWiki links it, its scheme in lower case (as MyST matches schemes),
    else ``None``."""
    url = url.strip()
    if url.startswith("//"):
        return "https:" + url
    if not url.lower().startswith(URL_PROTOCOLS) or url.endswith((":", "://")):
        return None  # not a protocol MediaWiki links, or a protocol alone
    scheme, rest = url.split(":", 1)
    return scheme.lower() + ":" + rest


def web_url(url: str) -> str:
    """``url`` if it is a web address (http, https, as :func:`safe_url` reads it) with a
    host, else "": for the wiki's own addresses (its pages, its licence), which come from
    the source and are as untrusted as its pages."""
    url = url.strip()
    checked = safe_url(url) if not url.startswith("//") else None
    if checked is None or any(ord(c) < 33 or ord(c) == 127 for c in checked):
        return ""
    if not checked.startswith(("http://", "https://")):
        return ""
    return checked if checked.split("://", 1)[1].split("/", 1)[0] else ""
