"""The Sphinx side: what a wiki reader expects and Sphinx lacks.

The converter writes ``_wiki/site.json`` next to the pages (see :mod:`.sitedata`); this
extension reads it and gives every page of the web site "What links here", links back to
the live wiki with the date of the last revision, a random-page control, link previews,
red links marked as missing pages, and the site's name as its title.

Handlers are thin; per-document data lives in the environment (``env.wiki_pages``,
``env.wiki_extracts``) with purge and merge handlers, so reading and writing are
parallel-safe. The web-site chrome (templates, scripts) only reaches builders that make a
web site (:func:`is_web_site`): not ePub, not a single page, not LaTeX.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import json
import posixpath
import weakref
from collections.abc import Callable, Iterable, Set
from datetime import datetime
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.transforms import Transform
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.builders import Builder
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.i18n import format_date

from . import __version__, sphinxpatches
from .myst import NESTED_HEADING
from .navigation import DEFAULT_LIMIT, Navigation, read_navigation, render
from .sitedata import (
    SITE_DATA,
    Backlink,
    LanguageLink,
    SiteData,
    article_docnames,
    edit_url,
    history_url,
    page_url,
    site_licence,
    web_url,
    wiki_name_phrase,
)
from .wikipaths import valid_prefix, write_forwards

logger = logging.getLogger(__name__)
HERE = Path(__file__).parent
#: Styles of wiki markup, for every HTML-format build (web site and ePub).
STATIC_COMMON = HERE / "static" / "common"
#: Scripts and styles of the web site's chrome only.
STATIC_SITE = HERE / "static" / "site"
TEMPLATES = HERE / "templates"
#: HTML-format builders that do not make a browsable web site of many pages.
NOT_WEB_SITES = frozenset({"epub", "singlehtml"})
#: Files the extension writes into the web site's ``_static``, loaded when first needed.
ARTICLES_FILE = "wiki-articles.js"
PREVIEWS_FILE = "wiki-previews.js"


# --- configuration ------------------------------------------------------------------------


def _option(default: Any, rebuild: str, doc: str) -> Any:
    return dataclasses.field(default=default, metadata={"rebuild": rebuild, "doc": doc})


@dataclasses.dataclass(frozen=True)
class WikiConfig:
    """The extension's options; each is the Sphinx option ``wiki_<name>``."""

    site_data: str = _option(
        SITE_DATA, "env", "the converter's site data, relative to the source folder"
    )
    article_url: str = _option(
        "", "html", "the live wiki's page URL with $1 for the title; default: from site data"
    )
    edit_url: str = _option(
        "", "html", "the live wiki's edit URL with $1 for the title; default: ?action=edit"
    )
    license_text: str = _option(
        "", "env", "the wiki's licence, as pages name it; default: from site data"
    )
    license_url: str = _option(
        "", "env", "the address of the wiki's licence; default: from site data"
    )
    article_path: str = _option(
        "",
        "html",
        'the wiki\'s own addresses forward to the pages, e.g. "wiki/" for wiki/Title; "": off',
    )
    what_links_here: bool = _option(True, "html", 'a "What links here" box on every page')
    live_links: bool = _option(True, "html", '"View on the wiki" and "Edit on the wiki" links')
    last_edited_format: str = _option(
        "%-d %B %Y, at %H:%M", "html", "how the date of a page's last revision is written (UTC)"
    )
    random_page: bool = _option(True, "html", "random-page links go to a random article")
    link_previews: bool = _option(True, "html", "hovering an internal link previews the page")
    preview_length: int = _option(300, "env", "characters of a page's start in its preview")
    navigation_limit: int = _option(
        DEFAULT_LIMIT,
        "html",
        "the most entries of a sidebar navigation shown whole; a larger one shows the current"
        " page's branch, each list cut after this many",
    )

    @classmethod
    def from_sphinx(cls, config: Config) -> WikiConfig:
        return cls(**{f.name: getattr(config, f"wiki_{f.name}") for f in dataclasses.fields(cls)})


def _register_options(app: Sphinx) -> None:
    for field in dataclasses.fields(WikiConfig):
        app.add_config_value(
            f"wiki_{field.name}",
            field.default,
            field.metadata["rebuild"],
            types=frozenset({type(field.default)}),
            description=field.metadata["doc"],
        )


# --- site data and per-document data --------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PageInfo:
    """What the site data says about one document; stored in the env when it is read."""

    title: str
    revision: int | None
    timestamp: str | None
    article_url: str
    backlinks: tuple[Backlink, ...]
    languages: tuple[LanguageLink, ...] = ()


@functools.lru_cache(maxsize=4)
def _load(path: str, _mtime_ns: int, _size: int) -> tuple[SiteData, dict[str, PageInfo]]:
    site = SiteData.load(Path(path))
    backlinks = site.what_links_here()
    infos = {
        entry.docname: PageInfo(
            entry.title,
            entry.revision,
            entry.timestamp,
            site.article_url,
            backlinks.get(entry.title, ()),
            entry.languages,
        )
        for entry in site.pages.values()
    }
    return site, infos


def site_data(app: Sphinx) -> tuple[SiteData, dict[str, PageInfo]]:
    """The site data and each document's page info; empty if the tree has none."""
    path = Path(app.srcdir) / app.config.wiki_site_data
    try:
        stat = path.stat()
        return _load(str(path), stat.st_mtime_ns, stat.st_size)
    except FileNotFoundError:
        return SiteData(), {}
    except (OSError, ValueError, KeyError, TypeError) as error:
        logger.warning(
            "%s: not the converter's site data (%s)", path, error, type="wiki", subtype="site-data"
        )
        return SiteData(), {}


def _env_data(env: BuildEnvironment) -> tuple[dict[str, PageInfo], dict[str, tuple[str, str]]]:
    # kept on the environment (pickled with it, merged from parallel readers)
    pages: dict[str, PageInfo] = env.__dict__.setdefault("wiki_pages", {})  # docname ->
    # docname -> (title, the start of its text)
    extracts: dict[str, tuple[str, str]] = env.__dict__.setdefault("wiki_extracts", {})
    return pages, extracts


def is_web_site(builder: Builder | type[Builder]) -> bool:
    """A builder (or builder class) that makes a browsable HTML site (html, dirhtml), not an
    ePub book or a single page."""
    return builder.format == "html" and builder.name not in NOT_WEB_SITES


# --- reading -----------------------------------------------------------------------------------

#: Parts of a page that are not its running text, for previews.
_NOT_TEXT = (nodes.footnote, nodes.citation, nodes.table, nodes.topic, nodes.sidebar, nodes.title)
_NOT_TEXT_INLINE = (nodes.footnote_reference, nodes.citation_reference, nodes.problematic)


def _text(node: nodes.Node) -> str:
    if isinstance(node, nodes.Text):
        return str(node)
    if isinstance(node, _NOT_TEXT_INLINE):
        return ""
    return "".join(_text(child) for child in node.children)


def page_extract(doctree: nodes.document, limit: int) -> str:
    """The start of a page's running text: its lead (the text before the first heading), or
    else its first section with text; at most ``limit`` characters, cut at a word."""
    parts: list[str] = []
    length = 0
    lead: nodes.Element | None = None
    for paragraph in doctree.findall(nodes.paragraph):
        if "wiki-categories" in paragraph["classes"]:
            continue
        parent = paragraph.parent
        section = None
        while parent is not None and not isinstance(parent, _NOT_TEXT):
            section = section or (parent if isinstance(parent, nodes.section) else None)
            parent = parent.parent
        if parent is not None:
            continue
        text = " ".join(_text(paragraph).split())
        if not text:
            continue
        if lead is None:
            lead = section
        elif section is not lead:
            break
        parts.append(text)
        length += len(text) + 1
        if length > limit:
            break
    text = " ".join(parts)
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" ,;:.") + "\u2026"


def read_doctree(app: Sphinx, doctree: nodes.document) -> None:
    pages, extracts = _env_data(app.env)
    docname = app.env.docname
    info = site_data(app)[1].get(docname)
    if info is not None:
        pages[docname] = info
    title = app.env.titles.get(docname)
    extracts[docname] = (
        title.astext() if title is not None else "",
        page_extract(doctree, app.config.wiki_preview_length),
    )


def purge_doc(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    for data in _env_data(env):
        data.pop(docname, None)


def merge_info(
    app: Sphinx, env: BuildEnvironment, docnames: Set[str], other: BuildEnvironment
) -> None:
    (pages, extracts), (their_pages, their_extracts) = _env_data(env), _env_data(other)
    pages.update({d: v for d, v in their_pages.items() if d in docnames})
    extracts.update({d: v for d, v in their_extracts.items() if d in docnames})


def outdated_docs(
    app: Sphinx, env: BuildEnvironment, added: Set[str], changed: Set[str], removed: Set[str]
) -> list[str]:
    """Documents whose site data changed although their source did not: a page that another
    page started or stopped linking to, a new revision date; every page when what each
    page's footer says of the wiki changed (its name, address or licence). Reread, they are
    rewritten."""
    pages, _ = _env_data(env)
    site, infos = site_data(app)
    unchanged = env.found_docs - added - changed
    footer = (site.name, site.article_url, site.main_page, site.rights_text, site.rights_url)
    # kept on the environment, as _env_data keeps its own
    before = env.__dict__.get("wiki_footer", footer)
    env.__dict__["wiki_footer"] = footer
    if before != footer:
        return sorted(unchanged)
    return sorted(d for d in unchanged if pages.get(d) != infos.get(d))


# --- red links -----------------------------------------------------------------------------


class redlink(nodes.inline):  # docutils names node classes in lower case
    """A link to a page that does not exist: text with a title that says so."""


REDLINK_TITLE = "Page does not exist"


class MarkRedLinks(SphinxPostTransform):
    """``{.wiki-redlink}`` spans become :class:`redlink` nodes in HTML-format builds."""

    default_priority = 400
    formats = ("html",)

    def run(self, **kwargs: Any) -> None:
        for node in list(self.document.findall(nodes.inline)):
            if "wiki-redlink" in node["classes"] and not isinstance(node, redlink):
                new = redlink(node.rawsource, "", *node.children, **node.attributes)
                node.replace_self(new)


class LinkedFigures(Transform):
    """A figure's or an image's ``:target: #label`` (a ``link=`` to a page) becomes a link
    to that label, as MyST resolves ``[…](#label)``: before MyST's ResolveAnchorIds."""

    default_priority = 870

    def apply(self, **kwargs: Any) -> None:
        for node in self.document.findall(nodes.reference):
            if node.get("refuri", "").startswith("#") and any(
                isinstance(child, nodes.image) for child in node.children
            ):
                node["id_link"] = True


class UnwrapLinkedFigures(SphinxPostTransform):
    """The link MyST resolved for a figure (:class:`LinkedFigures`) holds the image in an
    inline; HTML writers want a link outside a paragraph to hold just the image."""

    default_priority = 20  # after the references are resolved

    def run(self, **kwargs: Any) -> None:
        for node in list(self.document.findall(nodes.reference)):
            if isinstance(node.parent, nodes.TextElement) or len(node.children) != 1:
                continue
            inner = node.children[0]
            if isinstance(inner, nodes.inline) and [type(c) for c in inner.children] == [
                nodes.image
            ]:
                inner.replace_self(inner.children[0])


class NestedHeadings(SphinxPostTransform):
    """A heading where docutils allows no section (bold text with the class
    ``wiki-heading-N``, myst.NESTED_HEADING) is a rubric of that level in HTML: an
    ``<hN>``, as MediaWiki shows it, outside the table of contents."""

    default_priority = 400
    formats = ("html",)

    def run(self, **kwargs: Any) -> None:
        for node in list(self.document.findall(nodes.paragraph)):
            level = next(
                (c[len(NESTED_HEADING) :] for c in node["classes"] if c.startswith(NESTED_HEADING)),
                "",
            )
            inner = [c for c in node.children if not (isinstance(c, nodes.Text) and not c.strip())]
            if not level.isdigit() or len(inner) != 1 or not isinstance(inner[0], nodes.strong):
                continue
            rubric = nodes.rubric(node.rawsource, "", *inner[0].children, classes=node["classes"])
            rubric["heading-level"] = int(level)
            node.replace_self(rubric)


def visit_redlink(self, node: redlink) -> None:
    self.body.append(self.starttag(node, "span", "", title=REDLINK_TITLE))


def depart_redlink(self, node: redlink) -> None:
    self.body.append("</span>")


# --- ruby text -----------------------------------------------------------------------------

#: The classes of ruby text's parts (myst.SPAN_CLASSES) to their HTML tags.
RUBY_TAGS = {"wiki-ruby": "ruby", "wiki-rb": "rb", "wiki-rt": "rt", "wiki-rp": "rp",
             "wiki-rtc": "rtc"}  # fmt: skip


class ruby_part(nodes.inline):  # docutils names node classes in lower case
    """A part of ruby text (``<ruby>``, ``<rt>`` …), written as its own HTML tag."""


def _ruby_tag(node: nodes.Element) -> str | None:
    return next((RUBY_TAGS[c] for c in node["classes"] if c in RUBY_TAGS), None)


class RubyText(SphinxPostTransform):
    """Ruby text: its own tags on the web site (a browser shows the ``<rt>`` above the
    base and hides the ``<rp>``); elsewhere its annotation follows the base in parentheses,
    those of its ``<rp>`` or, with none, added: in the PDF, and in the ePub, whose XHTML
    schema allows fewer orders of ruby's parts than HTML and MediaWiki do (epubcheck
    refused ``<rp>(</rp><rt>a</rt><rt>b</rt><rp>)</rp>``)."""

    default_priority = 400

    def run(self, **kwargs: Any) -> None:
        html = is_web_site(self.app.builder)
        for node in list(self.document.findall(nodes.inline)):
            tag = _ruby_tag(node)
            if tag is None or isinstance(node, ruby_part):
                continue
            if html:
                new = ruby_part(node.rawsource, "", *node.children, **node.attributes)
                new["tag"] = tag
                node.replace_self(new)
            elif tag == "rt" and not self._has_parentheses(node):
                node.insert(0, nodes.Text("("))
                node.append(nodes.Text(")"))

    @staticmethod
    def _has_parentheses(rt: nodes.Element) -> bool:
        ruby = rt.parent
        while ruby is not None and _ruby_tag(ruby) not in {"ruby", None}:
            ruby = ruby.parent
        if ruby is None or _ruby_tag(ruby) != "ruby":
            return False
        return any(_ruby_tag(part) == "rp" for part in ruby.findall(nodes.inline))


def visit_ruby_part(self, node: ruby_part) -> None:
    self.body.append(self.starttag(node, node["tag"], ""))


def depart_ruby_part(self, node: ruby_part) -> None:
    self.body.append(f"</{node['tag']}>")


# --- writing the web site -----------------------------------------------------------------


def _last_edited(timestamp: str | None, fmt: str, language: str) -> tuple[str, str]:
    """(machine-readable, human-readable) date of a revision; empty if it has none."""
    if not timestamp:
        return "", ""
    try:
        moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return "", ""
    return timestamp, format_date(fmt, date=moment, language=language or "en")


def page_context(app: Sphinx, docname: str, info: PageInfo) -> dict[str, Any]:
    """The template values of the page-information box of one wiki page."""
    config = WikiConfig.from_sphinx(app.config)
    builder = app.builder
    article_url = config.article_url or info.article_url
    datetime_value, last_edited = _last_edited(
        info.timestamp, config.last_edited_format, app.config.language
    )
    found = app.env.found_docs
    backlinks = [
        {
            "title": b.title,
            "url": builder.get_relative_uri(docname, b.docname),
            "note": "transclusion" if b.transclusion and not b.link else "",
        }
        for b in info.backlinks
        if b.docname in found
    ]
    return {
        "title": info.title,
        "what_links_here": config.what_links_here,
        "backlinks": backlinks,
        "view_url": page_url(article_url, info.title) if config.live_links else "",
        "edit_url": edit_url(article_url, info.title, edit_pattern=config.edit_url)
        if config.live_links
        else "",
        "history_url": history_url(article_url, info.title),
        "last_edited": last_edited,
        "last_edited_datetime": datetime_value,
        # the sidebar's "In other languages" (sidebar/wiki-languages.html)
        "languages": [
            {"name": link.name, "tag": link.tag, "title": link.title, "url": web_url(link.url)}
            for link in info.languages
            if web_url(link.url)
        ],
    }


def attribution_context(app: Sphinx, page: dict[str, Any] | None) -> dict[str, Any] | None:
    """The template values of the licence line every page of the web site ends with: where
    the text comes from, who wrote it (the page's history), under which licence."""
    site = site_data(app)[0]
    rights = site_licence(site, text=app.config.wiki_license_text, url=app.config.wiki_license_url)
    if not site.name and not rights:
        return None
    article_url = app.config.wiki_article_url or site.article_url
    return {
        "wiki": wiki_name_phrase(site.name),
        "wiki_url": page_url(article_url, site.main_page),
        "history_url": page["history_url"] if page else "",
        "licence": rights.name,
        "licence_url": rights.url,
    }


# --- redirects ------------------------------------------------------------------------------


def redirect_target(app: Sphinx, docname: str) -> tuple[str, str] | None:
    """Where a redirect's document forwards to: (its URL relative to the redirect, the
    target's document); ``None`` for a document that is no redirect, or one to a page the
    site does not have."""
    redirect = site_data(app)[0].redirects.get(docname)
    label = redirect.target if redirect is not None else ""
    found = app.env.domains.standard_domain.labels.get(label) if label else None
    if found is None or not found[0]:
        return None
    target, anchor = found[0], found[1]
    uri = app.builder.get_relative_uri(docname, target)
    return (f"{uri}#{anchor}" if anchor else uri), target


def forward_redirect(app: Sphinx, pagename: str, context: dict) -> None:
    """A redirect's old address forwards to its target page and section, as MediaWiki's do:
    a refresh at once, the target as the canonical address, and (in the page) a link."""
    found = redirect_target(app, pagename)
    if found is None:
        return
    uri, target = found
    refresh = f'<meta http-equiv="refresh" content="0; url={html.escape(uri)}">\n'
    context["metatags"] = context.get("metatags", "") + refresh
    if context.get("pageurl") and app.config.html_baseurl:
        canonical = posixpath.join(app.config.html_baseurl, app.builder.get_target_uri(target))
        context["pageurl"] = canonical
        if context.get("meta") is None:
            context["meta"] = {}
        context["meta"].setdefault("og:url", canonical)


def write_wiki_addresses(app: Sphinx, exception: Exception | None) -> None:
    """``wiki_article_path``: the wiki's own addresses forward to the site (:mod:`.wikipaths`)."""
    prefix = app.config.wiki_article_path
    if exception is not None or not prefix or not is_web_site(app.builder):
        return
    site = site_data(app)[0]
    found = app.env.found_docs
    targets = {d: app.builder.get_target_uri(d) for d in found if d not in site.redirects}
    for docname in site.redirects:
        forwarded = redirect_target(app, docname)
        if forwarded is not None:
            relative, target = forwarded
            anchor = relative.partition("#")[2]
            uri = app.builder.get_target_uri(target)
            targets[docname] = f"{uri}#{anchor}" if anchor else uri
    count = write_forwards(
        Path(app.outdir), site, prefix=prefix, targets=targets, base_url=app.config.html_baseurl
    )
    logger.info("%d wiki addresses under %s forward to the site", count, prefix)


def leave_redirects_out_of_the_sitemap(app: Sphinx) -> None:
    """The sitemap (sphinx-sitemap) lists the pages, not the old addresses that forward."""
    if "sphinx_sitemap" not in app.extensions or not is_web_site(app.builder):
        return
    redirects = [app.builder.get_target_uri(d) for d in sorted(site_data(app)[0].redirects)]
    app.config.sitemap_excludes = [*app.config.sitemap_excludes, *redirects]


# --- cards (sphinxext-opengraph) -------------------------------------------------------------


def _image_url(app: Sphinx, pagename: str, doctree: nodes.Node | None) -> tuple[str, str]:
    """(address, alt text) of the page's first image as the site has it; ("", "") if none."""
    image = doctree.next_node(nodes.image) if doctree is not None else None
    name = app.builder.images.get(image["uri"]) if image is not None else None
    if image is None or not name:
        return "", ""
    path = f"{app.builder.imagedir}/{name}"
    base = app.config.html_baseurl
    url = posixpath.join(base, path) if base else app.builder.get_relative_uri(pagename, "") + path
    return url, str(image.get("alt", ""))


def add_card(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: nodes.Node | None
) -> None:
    """The page's card (sphinxext-opengraph, before it writes the tags): its description is
    the page's first paragraph (its lead, as the link previews show it), its image the
    page's first image."""
    if "sphinxext.opengraph" not in app.extensions or not is_web_site(app.builder):
        return
    fields = context.get("meta")
    if fields is None:
        fields = context["meta"] = {}
    _, extracts = _env_data(app.env)
    description = extracts.get(pagename, ("", ""))[1]
    if description and "og:description" not in fields:
        fields["og:description"] = description
        if not app.config.ogp_enable_meta_description:
            tag = f'<meta name="description" content="{html.escape(description)}">\n'
            context["metatags"] = context.get("metatags", "") + tag
    url, alt = _image_url(app, pagename, doctree)
    if url and "og:image" not in fields:
        fields["og:image"] = url
        fields.setdefault("og:image:alt", alt)


def add_page_context(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: nodes.Node | None
) -> None:
    if not is_web_site(app.builder):
        return
    forward_redirect(app, pagename, context)
    pages, _ = _env_data(app.env)
    info = pages.get(pagename)
    context["wiki_page"] = page_context(app, pagename, info) if info is not None else None
    context["wiki_attribution"] = attribution_context(app, context["wiki_page"])
    random_docname = site_data(app)[0].special.get("random")
    if app.config.wiki_random_page and random_docname in app.env.found_docs:
        context["wiki_random_url"] = app.builder.get_relative_uri(pagename, random_docname)


def _write_if_changed(path: Path, text: str) -> None:
    if not path.is_file() or path.read_text("utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")


def _data_script(name: str, value: object) -> str:
    return f"wikiData({json.dumps(name)}, {json.dumps(value, ensure_ascii=False)});\n"


def web_site_data(
    builder: Builder, site: SiteData, extracts: dict[str, tuple[str, str]], docnames: Iterable[str]
) -> dict[str, str]:
    """The data files of the web site's scripts, by file name."""
    docnames = set(docnames)
    articles = [builder.get_target_uri(d) for d in article_docnames(site, docnames)]
    docnames.discard(site.special.get("random", ""))  # it only leads elsewhere
    previews = {
        builder.get_target_uri(docname): [title, text]
        for docname, (title, text) in sorted(extracts.items())
        if text and docname in docnames
    }
    return {
        ARTICLES_FILE: _data_script("articles", articles),
        PREVIEWS_FILE: _data_script("previews", previews),
    }


def write_web_site_data(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or not is_web_site(app.builder):
        return
    _, extracts = _env_data(app.env)
    site = site_data(app)[0]
    config = WikiConfig.from_sphinx(app.config)
    wanted = {ARTICLES_FILE: config.random_page, PREVIEWS_FILE: config.link_previews}
    static = Path(app.outdir) / "_static"
    for name, text in web_site_data(app.builder, site, extracts, app.env.found_docs).items():
        if wanted[name]:
            _write_if_changed(static / name, text)


# --- the sidebar's navigation ---------------------------------------------------------------

#: The navigation of each web-site build, read before its pages are written (and so known
#: to the processes that write them in parallel).
_NAVIGATIONS: weakref.WeakKeyDictionary[Builder, Navigation] = weakref.WeakKeyDictionary()


def site_navigation(env: BuildEnvironment) -> Navigation:
    """The navigation tree of the whole site, from the toctrees the environment has."""
    root = env.config.root_doc
    sections = [
        (node.get("caption") or "", node["includefiles"])
        for node in env.get_doctree(root).findall(addnodes.toctree)
    ]
    titles = {docname: title.astext() for docname, title in env.titles.items()}
    return read_navigation(sections, env.toctree_includes, titles)


def prepare_navigation(app: Sphinx, builder: Builder) -> None:
    if is_web_site(builder) and app.config.root_doc in app.env.found_docs:
        _NAVIGATIONS[builder] = site_navigation(app.env)


def hide_toctree(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Before furo's handler: without a toctree function, furo does not render the whole
    tree for every page (see :mod:`.navigation`); :func:`add_navigation` puts it back.
    After sphinx-notfound-page's (priority 400), which gives the 404 page a toctree
    function of its own: the whole site's tree, resolved and parsed again, that the
    navigation then replaces."""
    if app.builder in _NAVIGATIONS and "toctree" in context:
        context["wiki_toctree"] = context.pop("toctree")


def add_navigation(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    navigation = _NAVIGATIONS.get(app.builder)
    if navigation is None:
        return
    if "wiki_toctree" in context:
        context["toctree"] = context.pop("wiki_toctree")
    context["furo_navigation_tree"] = render(
        navigation,
        pagename,
        uri=_navigation_uri(app, pagename, context),
        limit=app.config.wiki_navigation_limit,
    )


def _navigation_uri(app: Sphinx, pagename: str, context: dict) -> Callable[[str], str]:
    """A document's address in the navigation of ``pagename``: relative, except on the 404
    page, which can be served at any address (sphinx-notfound-page's absolute ones)."""
    pathto = context.get("pathto")
    notfound = "notfound.extension" in app.extensions
    if notfound and callable(pathto) and pagename == app.config.notfound_pagename:
        return pathto
    return functools.partial(app.builder.get_relative_uri, pagename)


# --- setup ---------------------------------------------------------------------------------


def _append(config: Config, name: str, path: Path) -> None:
    # A new list: a default value is shared by every Sphinx application in the process.
    if str(path) not in getattr(config, name):
        setattr(config, name, [*getattr(config, name), str(path)])


def configure(app: Sphinx, config: Config) -> None:
    """The site's name from the site data, where conf.py left Sphinx's defaults; templates."""
    _append(config, "templates_path", TEMPLATES)
    _append(config, "html_static_path", STATIC_COMMON)
    if config.wiki_article_path and not valid_prefix(config.wiki_article_path):
        logger.warning(
            "wiki_article_path = %r is not a folder of the site such as 'wiki/'; not used",
            config.wiki_article_path,
            type="wiki",
            subtype="config",
        )
        config.wiki_article_path = ""
    for option in ("wiki_article_url", "wiki_edit_url"):
        value = getattr(config, option)
        if value and "$1" not in value:
            logger.warning(
                "%s = %r has no $1 for the page title; not used",
                option,
                value,
                type="wiki",
                subtype="config",
            )
            setattr(config, option, "")
    name = site_data(app)[0].name
    if not name:
        return
    if config.project in {"Project name not set", "Wiki", ""}:
        config.project = name
    if not config.html_title or config.html_title.endswith("documentation"):
        config.html_title = name


def add_assets(app: Sphinx) -> None:
    """The web site's scripts and styles; copied here, not through ``html_static_path``,
    which is the same for every builder (a builder-dependent value would make every
    rebuild a full one, and put the scripts into ePub books)."""
    if not is_web_site(app.builder):
        return
    for source in sorted(STATIC_SITE.iterdir()):
        _write_if_changed(Path(app.outdir) / "_static" / source.name, source.read_text("utf-8"))
    app.add_css_file("wiki-site.css")
    config = WikiConfig.from_sphinx(app.config)
    random_docname = site_data(app)[0].special.get("random", "")
    attributes: dict[str, Any] = {
        "data-random-page": app.builder.get_target_uri(random_docname)
        if config.random_page and random_docname
        else "",
        "data-articles": ARTICLES_FILE,
        "data-previews": PREVIEWS_FILE if config.link_previews else "",
    }
    app.add_js_file("wiki.js", defer="defer", **attributes)


def setup(app: Sphinx) -> dict:
    _register_options(app)
    sphinxpatches.setup(app)
    app.add_node(redlink, html=(visit_redlink, depart_redlink))
    app.add_post_transform(MarkRedLinks)
    app.add_post_transform(NestedHeadings)
    app.add_transform(LinkedFigures)
    app.add_post_transform(UnwrapLinkedFigures)
    app.add_node(ruby_part, html=(visit_ruby_part, depart_ruby_part))
    app.add_post_transform(RubyText)
    app.add_css_file("wiki.css")
    app.connect("config-inited", configure)
    app.connect("builder-inited", add_assets)
    app.connect("builder-inited", leave_redirects_out_of_the_sitemap)
    app.connect("env-get-outdated", outdated_docs)
    app.connect("env-purge-doc", purge_doc)
    app.connect("env-merge-info", merge_info)
    app.connect("doctree-read", read_doctree)
    app.connect("html-page-context", add_page_context)
    app.connect("html-page-context", add_card, priority=450)  # before sphinxext-opengraph
    app.connect("write-started", prepare_navigation)
    # furo renders its navigation at the default priority, 500
    app.connect("html-page-context", hide_toctree, priority=450)
    app.connect("html-page-context", add_navigation, priority=600)
    app.connect("build-finished", write_web_site_data)
    app.connect("build-finished", write_wiki_addresses)
    return {
        "version": __version__,
        "env_version": 1,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
