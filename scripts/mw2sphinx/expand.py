"""Wikitext to wikitext: transclusion, templates, magic words, behaviour switches.

What comes out is plain wikitext for pandoc, plus what the page said about
itself (display title, sort key, behaviour switches). Templates that do not
exist become placeholder markers that the convert stage shows as such.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from mwparserfromhell.nodes import Argument, Template
from mwparserfromhell.nodes.extras import Parameter

from . import mwdata, parser_functions, preprocess
from .model import Page, Wiki
from .report import Kind, WikiWarning, line_of
from .titles import (
    CANONICAL_SPECIAL,
    CATEGORY,
    MEDIAWIKI,
    SPECIAL,
    TEMPLATE,
    Namespaces,
    Title,
    url_title,
)
from .vocabulary import PLACEHOLDER, UNEXPANDED_TAGS, alternatives, safe_url

if TYPE_CHECKING:
    from .lua.engine import PageEngine

MAX_DEPTH = 40
MAX_CALLS = 20_000
MAX_OUTPUT = 4_000_000  # characters of expanded text per page

#: Marker for a template that does not exist; the convert stage replaces it.

SWITCHES = (
    "NOTOC", "FORCETOC", "TOC", "NOEDITSECTION", "NEWSECTIONLINK", "NONEWSECTIONLINK",
    "NOGALLERY", "HIDDENCAT", "NOCONTENTCONVERT", "NOCC", "NOTITLECONVERT", "NOTC",
    "INDEX", "NOINDEX", "STATICREDIRECT", "EXPECTUNUSEDCATEGORY", "NOGLOBAL",
)  # fmt: skip
_SWITCH_RE = re.compile(r"__(" + "|".join(SWITCHES) + r")__")
# Tags whose content the preprocessor leaves alone.
LITERAL_TAGS = frozenset(UNEXPANDED_TAGS)
_LITERAL_BLOCK = re.compile(
    "<" + alternatives(UNEXPANDED_TAGS) + r"(\s[^>]*)?>.*?</\1\s*>", re.IGNORECASE | re.DOTALL
)
_LITERAL_EMPTY = re.compile("<" + alternatives(UNEXPANDED_TAGS) + r"(\s[^>]*)?/>", re.IGNORECASE)
# MediaWiki puts a newline before transcluded text that starts like a block (T2529).
_BLOCK_START = ("*", "#", ":", ";", "{|")


@dataclasses.dataclass
class Expansion:
    text: str
    display_title: str | None = None
    default_sort: str | None = None
    switches: frozenset[str] = frozenset()
    #: names of templates that do not exist, by placeholder number.
    placeholders: list[str] = dataclasses.field(default_factory=list)
    #: titles of pages transcluded (existing or not), for "what links here".
    transcluded: set[str] = dataclasses.field(default_factory=set)
    #: titles parser functions looked at (#ifexist), which MediaWiki counts as links.
    links: set[str] = dataclasses.field(default_factory=set)
    warnings: list[WikiWarning] = dataclasses.field(default_factory=list)
    #: {{#invoke:}}s run here, and the seconds they took.
    lua_invokes: int = 0
    lua_seconds: float = 0.0


# --- include tags ---------------------------------------------------------------


def _element(name: str) -> re.Pattern[str]:
    """``<name …>…</name>`` (to the end of the text if it is not closed) or ``<name/>``."""
    return re.compile(
        rf"<{name}(?:\s[^>]*?)?(?:/>|>.*?(?:</{name}\s*>|\Z))", re.IGNORECASE | re.DOTALL
    )


def _tags(*names: str) -> re.Pattern[str]:
    """The opening and closing tags of ``names`` alone (``<noinclude>``, ``</noinclude >``)."""
    return re.compile(rf"</?(?:{'|'.join(names)})(?:[\s/][^>]*)?>", re.IGNORECASE)


_INCLUDEONLY = _element("includeonly")
_NOINCLUDE = _element("noinclude")
_VIEW_TAGS = _tags("noinclude", "onlyinclude")
_TRANSCLUSION_TAGS = _tags("includeonly")


def text_for_view(text: str) -> str:
    """The page as its own page: no ``<includeonly>`` parts, ``<noinclude>`` and
    ``<onlyinclude>`` tags dropped. A stray ``</includeonly>`` is text, as in MediaWiki."""
    return _VIEW_TAGS.sub("", _INCLUDEONLY.sub("", text))


def text_for_transclusion(text: str) -> str:
    """The page as another page includes it: where it has both ``<onlyinclude>`` and
    ``</onlyinclude>``, only what stands between them; no ``<noinclude>`` parts,
    ``<includeonly>`` tags dropped. A stray ``</noinclude>`` is text, as in MediaWiki."""
    if "<onlyinclude>" in text and "</onlyinclude>" in text:
        pieces = []
        for piece in text.split("<onlyinclude>")[1:]:
            pieces.append(piece.split("</onlyinclude>", 1)[0])
        text = "".join(pieces)
    return _TRANSCLUSION_TAGS.sub("", _NOINCLUDE.sub("", text))


# --- behaviour switches -----------------------------------------------------------


def pull_switches(text: str) -> tuple[str, frozenset[str]]:
    """Remove behaviour switches outside literal tags; return the text and the switches."""
    found: set[str] = set()

    def drop(match: re.Match[str]) -> str:
        found.add(match.group(1))
        return ""

    pieces, last = [], 0
    for block in _LITERAL_BLOCK.finditer(text):
        pieces.append(_SWITCH_RE.sub(drop, text[last : block.start()]))
        pieces.append(block.group(0))
        last = block.end()
    pieces.append(_SWITCH_RE.sub(drop, text[last:]))
    return "".join(pieces), frozenset(found)


# --- templates --------------------------------------------------------------------


class _Limit(Exception):
    pass


@dataclasses.dataclass
class _Context:
    wiki: Wiki
    namespaces: Namespaces
    title: Title
    source: str
    result: Expansion
    calls: int = 0
    stack: tuple[str, ...] = ()
    #: line of the outermost template call, for warnings from inside it.
    stack_line: int | None = None
    #: the clock variables, read once per page.
    clock: dict[str, str] = dataclasses.field(default_factory=dict)
    #: the magic words, made once per page.
    magic: dict[str, Callable[[str], str]] = dataclasses.field(default_factory=dict)
    #: run {{#invoke:}} with the source's modules (lua/); the page's Lua state, once made.
    run_lua: bool = True
    lua: PageEngine | None = None
    #: the literal blocks taken out of the text, by strip marker number.
    stripped: list[str] = dataclasses.field(default_factory=list)

    def warn(self, kind: Kind, message: str, line: int | None) -> None:
        self.result.warnings.append(WikiWarning(self.title.full, line, kind, message))


def _talk_title(ctx: _Context, talk: bool) -> tuple[str, str]:
    """The talk page's (or the subject page's) namespace name and full title."""
    title = ctx.title
    number = title.namespace
    if number >= 0:
        number = (number | 1) if talk else (number & ~1)
    prefix = ctx.namespaces.names.get(number, "")
    return prefix, f"{prefix}:{title.text}" if prefix else title.text


def _url(text: str) -> str:
    return url_title(text)


def _magic_words(ctx: _Context) -> dict[str, Callable[[str], str]]:
    title = ctx.title
    site = ctx.wiki.site
    script_path = _script_path(site)
    words: dict[str, Callable[[str], str]] = {
        "SITENAME": lambda _: site.name,
        "PAGENAME": lambda _: title.text,
        "FULLPAGENAME": lambda _: title.full,
        "BASEPAGENAME": lambda _: title.text.rsplit("/", 1)[0],
        "SUBPAGENAME": lambda _: title.text.rsplit("/", 1)[-1],
        "ROOTPAGENAME": lambda _: title.text.split("/", 1)[0],
        "NAMESPACE": lambda _: title.prefix,
        "TALKSPACE": lambda _: _talk_title(ctx, True)[0],
        "SUBJECTSPACE": lambda _: _talk_title(ctx, False)[0],
        "ARTICLESPACE": lambda _: _talk_title(ctx, False)[0],
        "TALKPAGENAME": lambda _: _talk_title(ctx, True)[1],
        "SUBJECTPAGENAME": lambda _: _talk_title(ctx, False)[1],
        "ARTICLEPAGENAME": lambda _: _talk_title(ctx, False)[1],
    }
    # Each of these has a form ending in E: the same, encoded for a URL.
    for name, value in list(words.items()):
        if name != "SITENAME":
            words[name + "E"] = _encoded(value)
    words.update(
        {
            "NAMESPACENUMBER": lambda _: str(title.namespace),
            "SERVER": lambda _: _server(site.article_url),
            "SERVERNAME": lambda _: urlsplit(_server(site.article_url)).netloc,
            "SCRIPTPATH": lambda _: script_path,
            "STYLEPATH": lambda _: f"{script_path}/skins",
            "CONTENTLANGUAGE": lambda _: "en",
            "CONTENTLANG": lambda _: "en",
            "PAGELANGUAGE": lambda _: "en",
            "DIRECTIONMARK": lambda _: "\u200e",
            "DIRMARK": lambda _: "\u200e",
            "!": lambda _: "|",
            "=": lambda _: "=",
        }
    )
    for name, text in ctx.clock.items():
        words[name] = _constant(text)
    return words


def _encoded(word: Callable[[str], str]) -> Callable[[str], str]:
    """The form of a magic word that ends in E: the same, encoded for a URL."""
    return lambda name: _url(word(name))


def _constant(text: str) -> Callable[[str], str]:
    return lambda _name: text


#: The variables MediaWiki knows in any case ({{servername}}); the others, such as
#: {{CurrentMonth}}, are in any other case a template's name.
CASE_INSENSITIVE_WORDS = frozenset({"SERVER", "SERVERNAME", "SCRIPTPATH", "STYLEPATH"})


def _server(article_url: str) -> str:
    match = re.match(r"(https?:)?//[^/]+", article_url)
    return match.group(0) if match else ""


def _script_url(site) -> str:
    """The wiki's index.php: as the source says, else next to the article path
    (``https://host/wiki/$1`` -> ``https://host/w/index.php``, as most wikis have it)."""
    if site.script_url:
        return site.script_url
    server = _server(site.article_url)
    path = urlsplit(site.article_url).path
    if "index.php" in path:
        return server + path.split("index.php", 1)[0] + "index.php"
    return f"{server}/w/index.php"


def _script_path(site) -> str:
    return urlsplit(_script_url(site)).path.rsplit("/", 1)[0]


def _page_url(ctx: _Context, function: str, rest: str, query: str) -> str:
    """``{{localurl:Page|query}}`` and its kin: a path (local) or a full URL."""
    site = ctx.wiki.site
    title = ctx.namespaces.parse(rest.strip())
    name = _url(title.full if title is not None else rest.strip())
    if query:
        url = f"{_script_url(site)}?title={name}&{query}"
    else:
        url = site.article_url.replace("$1", name)
    if function.startswith("localurl"):
        parts = urlsplit(url)
        url = parts.path + (f"?{parts.query}" if parts.query else "")
    if function.endswith("e"):
        url = url.replace("&", "&amp;")
    return url


def _line(ctx: _Context, node_text: str) -> int | None:
    offset = ctx.source.find(node_text)
    return line_of(ctx.source, offset) if offset >= 0 else None


def _strip(text: str, ctx: _Context) -> str:
    """Literal blocks (``<nowiki>…</nowiki>``, ``<pre>``, ``<math>`` …) out of the way of the
    preprocessor, as MediaWiki's strip markers: what they hold is never read as templates,
    arguments or pipes. :func:`_unstrip` puts them back."""

    def keep(match: re.Match[str]) -> str:
        ctx.stripped.append(match.group(0))
        return parser_functions.STRIP_MARKER.format(len(ctx.stripped) - 1)

    if "<" not in text:
        return text
    return _LITERAL_EMPTY.sub(keep, _LITERAL_BLOCK.sub(keep, text))


def _unstrip(text: str, ctx: _Context) -> str:
    def back(match: re.Match[str]) -> str:
        number = int(match.group(1))
        return ctx.stripped[number] if number < len(ctx.stripped) else ""

    for _ in range(MAX_DEPTH):  # a marker's text can hold no marker, but be sure
        if "\x7f" not in text:
            break
        text = parser_functions.STRIP_MARKER_RE.sub(back, text)
    return text


def _expand(text: str, ctx: _Context, params: dict[str, str] | None, depth: int) -> str:
    if depth > MAX_DEPTH:
        raise _Limit(f"templates nested more than {MAX_DEPTH} deep")
    text = _strip(text, ctx)
    if "{{" not in text and "<!--" not in text:
        return text  # nothing to expand or drop: parsing it would give it back as it is
    return _expand_nodes(preprocess.parse(text), ctx, params, depth)


def _expand_nodes(nodes, ctx: _Context, params: dict[str, str] | None, depth: int) -> str:
    out: list[str] = []
    size = 0
    for node in nodes:
        out.append(_expand_node(node, ctx, params, depth))
        size += len(out[-1])
        if size > MAX_OUTPUT:
            raise _Limit(f"expanded text longer than {MAX_OUTPUT:,} characters")
    return "".join(out)


def _expand_node(node, ctx: _Context, params: dict[str, str] | None, depth: int) -> str:
    """One node as :mod:`.preprocess` finds it: text, a comment (nothing), an extension
    tag, a template or an argument.

    An extension tag's attributes and inside are expanded here, with the template's
    arguments. (MediaWiki expands neither with them: in a template, ``<ref
    name="{{{n}}}">{{{1}}}</ref>`` is a ref named ``{{{n}}}`` whose text is ``{{{1}}}``,
    which is why wikis write ``{{#tag:ref|{{{1}}}|name={{{n}}}}}``; the converter reads
    what the template's author meant.)"""
    if isinstance(node, str):
        return node
    if isinstance(node, preprocess.Comment):
        return ""
    if isinstance(node, preprocess.Extension):
        attributes = _expand(node.attributes, ctx, params, depth)
        if node.inner is None:
            return f"<{node.name}{attributes}/>"
        if node.name.lower() == "gallery":
            inner = _gallery_lines(node.inner, ctx, depth)
        else:
            inner = _expand(node.inner, ctx, params, depth)
        return f"<{node.name}{attributes}>{inner}{node.close}"
    if node.kind == "argument":
        first, *rest = node.parts
        default = rest[0].text if rest else None
        return _expand_argument(Argument(first.text, default), ctx, params, depth)
    return _expand_template(_template(node), ctx, params, depth)


def _template(node: preprocess.Braced) -> Template:
    """A template as :mod:`.preprocess` found it, as mwparserfromhell's node (which the
    parser functions and the Lua frames read)."""
    title, *parts = node.parts
    params = []
    position = 0
    for part in parts:
        if part.equals is None:
            position += 1
            params.append(Parameter(str(position), part.value, showkey=False))
        else:
            params.append(Parameter(part.name, part.value, showkey=True))
    return Template(title.text, params)


def _gallery_lines(text: str, ctx: _Context, depth: int) -> str:
    """A ``<gallery>``'s lines: what follows a file's name is wikitext that MediaWiki expands
    on its own (Parser::renderImageGallery), without the arguments of a template the gallery
    stands in; the names are not expanded."""
    lines = []
    for line in text.split("\n"):
        name, bar, rest = line.partition("|")
        lines.append(name + bar + _expand(rest, ctx, None, depth + 1) if bar else line)
    return "\n".join(lines)


def _expand_argument(node: Argument, ctx: _Context, params, depth: int) -> str:
    name = _expand(str(node.name), ctx, params, depth).strip()
    if params is not None and name in params:
        return params[name]
    if node.default is not None:
        return _expand(str(node.default), ctx, params, depth)
    return "{{{" + _expand(str(node.name), ctx, params, depth) + "}}}"


def _expand_template(node: Template, ctx: _Context, params, depth: int) -> str:
    ctx.calls += 1
    if ctx.calls > MAX_CALLS:
        raise _Limit(f"more than {MAX_CALLS:,} template calls")
    line = _line(ctx, str(node)) if depth == 0 else ctx.stack_line
    raw_head, raw_colon, raw_rest = str(node.name).partition(":")
    function = raw_head.strip()
    if function.lower() in PAGE_FUNCTIONS:
        return PAGE_FUNCTIONS[function.lower()](
            ctx,
            _expand(raw_rest, ctx, params, depth),
            [_expand(str(p), ctx, params, depth).strip() for p in node.params],
        )
    if raw_colon and (function.startswith("#") or function.lower() in parser_functions.FUNCTIONS):
        return _call_function(node, function, raw_rest, ctx, params, depth, line)
    written = _expand(str(node.name), ctx, params, depth)
    name = written.strip()
    head, colon, rest = name.partition(":")
    word = head.strip()
    if word.upper() == "DISPLAYTITLE" and colon:
        ctx.result.display_title = rest.strip()
        return ""
    if word.upper() in {"DEFAULTSORT", "DEFAULTSORTKEY", "DEFAULTCATEGORYSORT"} and colon:
        ctx.result.default_sort = rest.strip()
        return ""
    if word.lower() in {"ns", "nse"} and colon:
        number = ctx.namespaces.lookup(rest.strip())
        if rest.strip().lstrip("-").isdigit():
            number = int(rest.strip())
        return ctx.namespaces.names.get(number, "") if number is not None else ""
    counted = word.upper() in {"PAGESINCATEGORY", "PAGESINCAT"} and colon
    if counted and ctx.namespaces.title(rest.strip(), default_namespace=CATEGORY) is None:
        return "0"  # MediaWiki counts no pages in a category whose name is no title
    if word.lower() in URL_FUNCTIONS and colon:
        query = "&".join(_expand(str(p), ctx, params, depth).strip() for p in node.params)
        return _page_url(ctx, word.lower(), rest, query)
    if word.lower() == "int" and colon:
        return _message(ctx, rest.strip(), _arguments(node, ctx, params, depth), depth, line)
    magic = ctx.magic
    word_name = name if name in magic else name.upper()
    if not colon and (name in magic or word_name in CASE_INSENSITIVE_WORDS) and not node.params:
        return magic[word_name](name)
    raw = word.lower() == "msgnw" and bool(colon)
    if word.lower() == "subst" and colon:
        return str(node)  # substituted only when a page is saved; a view shows it as written
    if word.lower() in {"safesubst", "msgnw", "msg", "raw"} and colon:
        name = rest
    title = ctx.namespaces.title(name, default_namespace=TEMPLATE)
    if title is None or not title.text or "\n" in name:
        return _as_text(node, written, ctx, params, depth)
    if title.namespace == SPECIAL:
        listed = _special_transclusion(ctx, title)
        if listed is not None:
            return listed
    ctx.result.transcluded.add(title.full)
    page = _page_following_redirects(ctx, title)
    if page is None and title.namespace == MEDIAWIKI:
        page = _default_message_page(title)
    if raw:  # {{msgnw:}}: the source, or the red link MediaWiki would make, shown as written
        return _shown_as_source(
            text_for_transclusion(page.text) if page is not None else f"[[:{title.full}]]"
        )
    if page is None:
        if title.namespace == TEMPLATE:
            ctx.warn(Kind.TEMPLATE_UNKNOWN, f"template {title.full!r} does not exist", line)
            return _placeholder(ctx, title.full)
        return f"[[:{title.full}]]"  # MediaWiki shows a missing page as a red link
    if title.full in ctx.stack:
        ctx.warn(
            Kind.TEMPLATE_LOOP, f"transclusion loop: {' -> '.join(ctx.stack)} -> {title.full}", line
        )
        return f'<span class="error">Template loop detected: [[:{title.full}]]</span>'
    arguments = _arguments(node, ctx, params, depth)
    outer_stack, outer_line = ctx.stack, ctx.stack_line
    ctx.stack = (*outer_stack, title.full)
    if depth == 0:
        ctx.stack_line = line
    try:
        body = _expand(text_for_transclusion(page.text), ctx, arguments, depth + 1)
    finally:
        ctx.stack = outer_stack
        ctx.stack_line = outer_line
    if body.startswith(_BLOCK_START):
        body = "\n" + body
    return body


def _as_text(node: Template, name: str, ctx: _Context, params, depth: int) -> str:
    """A template whose name is no title (``{{a<b>b</b>|x}}``, ``{{|x}}``, a name across
    lines): text, its braces and pipes as written, its name and parts expanded, as
    MediaWiki shows it."""
    parts = [name]
    for param in node.params:
        value = _expand(str(param.value), ctx, params, depth)
        if param.showkey:
            value = _expand(str(param.name), ctx, params, depth) + "=" + value
        parts.append(value)
    return "{{" + "|".join(parts) + "}}"


def _special(ctx: _Context, name: str, _args: list[str]) -> str:
    """``{{#special:RandomPage}}``: the special page's canonical title, ``Special:Random``."""
    name = name.strip()
    key = name.replace(" ", "").replace("_", "").lower()
    page = CANONICAL_SPECIAL.get(key) or ctx.namespaces.fix_case(name.replace("_", " "))
    return f"{ctx.namespaces.names.get(SPECIAL, 'Special')}:{page}"


def _special_transclusion(ctx: _Context, title: Title) -> str | None:
    """``{{Special:PrefixIndex/Abc}}``: the list of the wiki's articles whose titles start
    so, as MediaWiki transcludes it; ``None`` for the special pages that cannot be."""
    name, _, prefix = title.text.partition("/")
    if CANONICAL_SPECIAL.get(name.replace(" ", "").lower()) != "PrefixIndex":
        return None
    prefix = ctx.namespaces.fix_case(prefix.strip()) if prefix.strip() else ""
    matches = sorted(
        full
        for full, page in ctx.wiki.pages.items()
        if page.namespace == 0 and full.startswith(prefix)
    )
    return "".join(f"\n* [[:{full}]]" for full in matches)


def _content_model(ctx: _Context, which: str, args: list[str]) -> str:
    """``{{#contentmodel:canonical|Title}}`` (or ``local``): the page's content model."""
    title = ctx.namespaces.title(args[0]) if args and args[0] else ctx.title
    model = parser_functions.content_model(title.namespace, title.text) if title else "wikitext"
    if which.strip().lower() == "canonical":
        return model
    return parser_functions.CONTENT_MODEL_NAMES.get(model, model)


_NO_TITLE_VALUE = re.compile(r"^[_ ]|[_ ]$|[\r\n\t]")


def _interwiki_link(ctx: _Context, prefix: str, args: list[str]) -> str:
    """``{{#interwikilink:prefix|Title|text}}``: a link through the wiki's interwiki table,
    also with a prefix that names this wiki itself (T363538), as an external link; shown as
    written where the prefix is none or the title is not written as one."""
    key, target = prefix.strip().lower(), args[0] if args else ""
    page, _, fragment = target.partition("#")
    url = None
    if key in ctx.namespaces.interwiki and page and not _NO_TITLE_VALUE.search(page):
        url = safe_url(ctx.namespaces.interwiki_url(key, page.replace("_", " "), fragment))
    if url is None:
        return "{{#interwikilink:" + "|".join([prefix, *args]) + "}}"
    text = args[1] if len(args) > 1 and args[1] else f"{prefix.strip()}:{target}"
    return f"[{url} {text.replace(']', '&#93;')}]"


#: Parser functions that need the page or the wiki: name -> (context, first, arguments).
PAGE_FUNCTIONS: dict[str, Callable[[_Context, str, list[str]], str]] = {
    "#interwikilink": _interwiki_link,
    "#special": _special,
    "#speciale": lambda ctx, name, args: _url(_special(ctx, name, args)),
    "#contentmodel": _content_model,
}


#: ``{{localurl:Page|query}}`` and its kin; the ones ending in "e" escape "&".
URL_FUNCTIONS = {"localurl", "localurle", "fullurl", "fullurle", "canonicalurl", "canonicalurle"}


def _page_following_redirects(ctx: _Context, title: Title):
    """The page of ``title``; a redirect leads to its target, as in MediaWiki's
    transclusion (which follows one redirect: a redirect to a redirect is not followed)."""
    page = ctx.wiki.pages.get(title.full)
    target_name = ctx.wiki.redirects.get(title.full)
    if page is None and target_name is not None:
        target = ctx.namespaces.title(target_name)
        if target is not None:
            ctx.result.transcluded.add(target.full)
            page = ctx.wiki.pages.get(target.full)
    return page


def _shown_as_source(text: str) -> str:
    """``{{msgnw:Page}}``: the page's wikitext shown as it is written, not read as markup."""
    escaped = re.sub(
        r"[&<>\[\]{}'*#:;|=~_-]|^ ", lambda m: f"&#{ord(m.group()[-1])};", text, flags=re.M
    )
    return escaped


def _default_message_page(title: Title) -> Page | None:
    """A ``MediaWiki:`` page the wiki does not have, as MediaWiki shows it: its message's
    default text (from the installed MediaWiki, :mod:`.mwdata`), or ``None``."""
    text = mwdata.message(title.text)
    return Page(title.full, MEDIAWIKI, text, origin="mediawiki") if text is not None else None


def _message(ctx: _Context, name: str, arguments: dict[str, str], depth: int, line) -> str:
    """``{{int:name|$1|$2}}``: the page MediaWiki:Name where the wiki has it, else the
    message's default text; its parameters filled in, then expanded as wikitext (as the
    parser does with what ``{{int:}}`` returns). A message no one has reads ``⧼name⧽``, as
    in MediaWiki; without an installed MediaWiki to ask, that is also a warning."""
    title = ctx.namespaces.title(f"MediaWiki:{mwdata.message_key(name)}")
    page = ctx.wiki.pages.get(title.full) if title is not None else None
    if page is not None:
        ctx.result.transcluded.add(page.title)
        text = text_for_transclusion(page.text)
    elif (default := mwdata.message(name)) is not None:
        text = default
    else:
        if not mwdata.installed():
            ctx.warn(
                Kind.MESSAGE,
                f"message {name!r}: no MediaWiki:{name} page and no installed MediaWiki "
                f"({mwdata.MEDIAWIKI}) to read its default text from",
                line,
            )
        return f"\u29fc{name}\u29fd"
    text = re.sub(r"\$(\d+)", lambda m: arguments.get(m.group(1), m.group()), text)
    return _expand(text, ctx, None, depth + 1)


def _call_function(
    node: Template, function: str, first: str, ctx: _Context, params, depth: int, line: int | None
) -> str:
    """A parser function: its arguments are expanded only where it takes them."""

    def expand(text: str) -> str:
        return _expand(text, ctx, params, depth)

    def exists(name: str) -> bool:
        title = ctx.namespaces.title(name)
        if title is not None:
            ctx.result.links.add(title.full)  # MediaWiki records #ifexist as a link
        return title is not None and (
            title.full in ctx.wiki.pages or title.full in ctx.wiki.redirects
        )

    if function.lower() == "#invoke" and ctx.run_lua:
        invoked = _invoke(node, first, ctx, params, depth, line)
        if invoked is not None:
            return invoked
    arguments = [str(param) for param in node.params]
    result = parser_functions.call(function, first, arguments, expand, exists=exists)
    if result is None:
        ctx.warn(Kind.PARSER_FUNCTION, f"parser function {function!r} is not supported", line)
        shown = [f"{function}:{expand(first).strip()}", *(expand(a) for a in arguments)]
        return _placeholder(ctx, _without_placeholders(ctx, "|".join(shown)))
    return result


def _invoke(node: Template, first: str, ctx: _Context, params, depth: int, line) -> str | None:
    """``{{#invoke:}}`` run by the source's modules; ``None`` if no Lua can run here."""
    from . import lua

    def transclude(name: str, args: dict[str, str]) -> str:
        call = Template(name, [Parameter(k, v, showkey=not k.isdigit()) for k, v in args.items()])
        return _expand_template(call, ctx, None, depth + 1)

    # What a module expands is a frame deeper: a module that invokes itself ends at MAX_DEPTH,
    # with a script error where the #invoke stands.
    try:
        return lua.invoke(
            first,
            [(str(p.name) if p.showkey else None, str(p.value)) for p in node.params],
            ctx=ctx,
            params=params,
            expand=lambda text, args: _expand(text, ctx, args, depth + 1),
            transclude=transclude,
            line=line,
        )
    except _Limit as error:
        return lua.fail(ctx, line, f"Module:{first.strip()}", f"expansion stopped: {error}")


def _arguments(node: Template, ctx: _Context, params, depth: int) -> dict[str, str]:
    arguments: dict[str, str] = {}
    position = 0
    for param in node.params:
        value = _expand(str(param.value), ctx, params, depth)
        if param.showkey:
            arguments[_expand(str(param.name), ctx, params, depth).strip()] = value.strip()
        else:
            position += 1
            arguments[str(position)] = value
    return arguments


_PLACEHOLDER_RE = re.compile(re.escape(PLACEHOLDER).replace(r"\{\}", r"(\d+)"))


def _without_placeholders(ctx: _Context, text: str) -> str:
    """A placeholder's name, in which the placeholders of calls inside it read as written."""

    def written(match: re.Match[str]) -> str:
        name = ctx.result.placeholders[int(match.group(1))]
        return "{{" + name + "}}" if name.startswith("#") else "{{" + name.split(":", 1)[-1] + "}}"

    return _PLACEHOLDER_RE.sub(written, text)


def _placeholder(ctx: _Context, name: str) -> str:
    ctx.result.placeholders.append(name)
    return PLACEHOLDER.format(len(ctx.result.placeholders) - 1)


_BRACE_RUN = re.compile(r"\{\{+|\}\}+")


def braces_as_text(text: str) -> str:
    """Braces left in expanded text are text (no template call is left once the
    preprocessor is done), written as entities so that no later reader (pandoc, which
    would take ``{{…}}`` for a template and show its markup as text) reads them again;
    the brace that ends a table (``|}``) stays."""

    def written(match: re.Match[str]) -> str:
        run = match.group()
        keep = ""
        line = text[text.rfind("\n", 0, match.start()) + 1 : match.start()]
        if run[0] == "}" and line.strip(" \t") == "|":
            keep, run = "}", run[1:]
        return keep + "".join(f"&#{ord(c)};" for c in run)

    return _BRACE_RUN.sub(written, text) if "{{" in text or "}}" in text else text


def expand_page(
    text: str, *, wiki: Wiki, title: Title, namespaces: Namespaces, lua: bool = True
) -> Expansion:
    """Expand a page's own wikitext as MediaWiki's preprocessor would for viewing it.

    ``lua``: run ``{{#invoke:}}`` with the wiki's modules (else it is a placeholder)."""
    result = Expansion(text="")
    viewed, switches = pull_switches(text_for_view(text.replace("\x7f", "")))
    ctx = _Context(wiki, namespaces, title, viewed, result, stack=(title.full,), run_lua=lua)
    ctx.clock = parser_functions.clock_variables(parser_functions.parse_clock(wiki.site.clock))
    ctx.magic = _magic_words(ctx)
    try:
        expanded = _expand(viewed, ctx, None, 0)
    except _Limit as error:
        ctx.warn(Kind.TEMPLATE_LIMIT, f"expansion stopped: {error}", None)
        expanded = viewed
    except RecursionError:
        ctx.warn(Kind.TEMPLATE_LIMIT, "expansion stopped: markup nested too deeply", None)
        expanded = viewed
    else:
        expanded = braces_as_text(expanded)
    expanded = _unstrip(expanded, ctx)
    result.placeholders = [_unstrip(name, ctx) for name in result.placeholders]
    if result.display_title is not None:
        result.display_title = _unstrip(result.display_title, ctx)
    if result.default_sort is not None:
        result.default_sort = _unstrip(result.default_sort, ctx)
    # Switches can come from transcluded text too.
    expanded, more = pull_switches(expanded)
    result.text = expanded
    result.switches = switches | more
    if ctx.lua is not None:
        result.lua_invokes, result.lua_seconds = ctx.lua.invokes, ctx.lua.seconds
    return result
