"""``{{#invoke:}}`` run here: Scribunto's Lua libraries in an embedded Lua 5.1 (lupa).

Scribunto's own Lua side (``mw``, ``mw.text``, ``mw.ustring``, ``mw.title``, ``mw.html``,
``mw.site``, ``mw.uri``, ``mw.language``, ``mw.hash``; GPL-2.0-or-later) is loaded at run time
from the MediaWiki installation (Debian's ``mediawiki`` package:
``/usr/share/mediawiki/extensions/Scribunto``, or ``$MW2SPHINX_SCRIBUNTO``); nothing of it is
copied here. This module is its PHP half: the ``mw_interface`` functions each library calls
(frames and their arguments, ``expandTemplate``, ``preprocess``, titles, site info), answered
from the :class:`~mw2sphinx.model.Wiki` and the expander.

One Lua state per page, as Scribunto has one per parse: modules see no other page's state.
Limits per page: :data:`MAX_INSTRUCTIONS` (an instruction-count hook that a module's
``pcall`` cannot swallow) and :data:`MAX_MEMORY`; Lua's own stack limit ends deep recursion.
The sandbox (``sandbox.lua``) gives modules what Scribunto's LuaStandalone gives them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import quote

from .. import mwdata
from ..model import Wiki
from ..titles import MODULE, Namespaces, Title
from . import dates

SCRIBUNTO = Path(os.environ.get("MW2SPHINX_SCRIBUNTO", "/usr/share/mediawiki/extensions/Scribunto"))
LUALIB = SCRIBUNTO / "includes" / "engines" / "LuaCommon" / "lualib"
#: Where Scribunto looks for its own packages (LuaEngine::$libraryPaths).
LIBRARY_PATHS = (".", "luabit", "ustring")
LIBRARIES = (
    "mw.site", "mw.uri", "mw.ustring", "mw.language", "mw.message", "mw.title", "mw.text",
    "mw.html", "mw.hash",
)  # fmt: skip
#: Lua VM instructions a page's modules may run (Lua 5.1 runs about 10^8 a second).
MAX_INSTRUCTIONS = 200_000_000
HOOK_EVERY = 1000
#: Bytes of memory a page's Lua state may hold (Scribunto's default is 50 MB).
MAX_MEMORY = 50 * 1024 * 1024
#: Characters one #invoke may return.
MAX_RESULT = 2_000_000
MAX_EXPENSIVE = 500
LANGUAGE_TAG = r"[a-z]{2,3}(-[a-z0-9]+)*"
MARKER_PREFIX = "\x7f'\"`UNIQ-"
MARKER_SUFFIX = "-QINU`\"'\x7f"


class LuaUnavailable(Exception):
    """lupa or Scribunto's Lua libraries are not installed."""


class ScriptError(Exception):
    """A module failed; the message is what the page shows."""


def unavailable() -> str | None:
    """Why modules cannot run here, or ``None``."""
    try:
        import lupa.lua51  # noqa: F401
    except ImportError:
        return "lupa (with Lua 5.1) is not installed"
    if not (LUALIB / "mw.lua").is_file():
        return f"Scribunto's Lua libraries are not in {LUALIB} (install Debian's mediawiki)"
    return None


@dataclasses.dataclass
class Frame:
    """One of Scribunto's frames: a title, its arguments, and how text expands in it."""

    title: str
    args: Mapping[str, str]
    preprocess: Callable[[str], str]


@dataclasses.dataclass
class Invocation:
    """What the expander hands over for one ``{{#invoke:Module|function|…}}``."""

    module: Title
    function: str
    frame: Frame  # the #invoke's own arguments
    parent: Frame  # the page or template the #invoke stands in
    #: {{Title|args}} expanded as from the parent's frame.
    transclude: Callable[[str, dict[str, str]], str]
    #: record a link (title objects' existence checks, as MediaWiki does).
    link: Callable[[str], None]
    #: record a transclusion (a module required, a page's content read).
    transcluded: Callable[[str], None]


def _no_attributes(obj, name, setting):
    raise AttributeError("Python attributes are not reachable from Lua")


class PageEngine:
    """The Lua state of one page."""

    def __init__(self, wiki: Wiki, namespaces: Namespaces, title: Title):
        why = unavailable()
        if why is not None:
            raise LuaUnavailable(why)
        import lupa.lua51 as lupa

        self.wiki, self.namespaces, self.title = wiki, namespaces, title
        self.lupa = lupa
        self.runtime = lupa.LuaRuntime(
            register_eval=False,
            register_builtins=False,
            unpack_returned_tuples=True,
            attribute_filter=_no_attributes,
            max_memory=MAX_MEMORY,
        )
        self.frames: dict[str, Frame] = {}
        self.invocation: Invocation | None = None
        self.expensive = 0
        self.children = 0
        self.seconds = 0.0
        self.invokes = 0
        self.warnings: list[str] = []
        self._chunks: dict[str, object] = {}
        self._wrap = self.runtime.eval("function(f) return function(...) return f(...) end end")
        sandbox = (Path(__file__).parent / "sandbox.lua").read_text("utf-8")
        setup = self.runtime.execute(f"return function(...) {sandbox}\nend")
        self.env, self.compile, self.used, self.over = setup(MAX_INSTRUCTIONS, HOOK_EVERY)
        self._load_libraries()

    # --- loading -----------------------------------------------------------------------

    def _table(self, value):
        """A Lua table of a Python dict or list (nested); a Python function becomes a Lua
        function that calls it, so that no Python object is ever in a module's hands."""
        if callable(value) and self.lupa.lua_type(value) is None:
            return self._wrap(value)
        if isinstance(value, dict):
            return self.runtime.table_from({k: self._table(v) for k, v in value.items()})
        if isinstance(value, list | tuple):
            return self.runtime.table_from([self._table(v) for v in value])
        return value

    def _chunk(self, code: str, name: str):
        chunk, message = self.compile(code, name)
        if chunk is None:
            raise ScriptError(str(message))
        return chunk

    def _register(self, filename: str, functions: dict, options: dict | None = None):
        """A library's Lua file, set up with its PHP half (LuaEngine::registerInterface)."""
        self.env["mw_interface"] = self._table(functions)
        path = LUALIB / f"{filename}.lua"
        package = self._chunk(path.read_text("utf-8"), "@" + path.name)()
        setup = package["setupInterface"] if package is not None else None
        if setup is not None:
            setup(self._table(options or {}))
        self.env["mw_interface"] = None
        return package

    def _load_libraries(self) -> None:
        self._register("mwInit", {})
        self._register("mw", self._mw_interface(), {"allowEnvFuncs": False})
        libraries = {
            "mw.site": (self._site_interface, self._site_options),
            "mw.uri": (self._uri_interface, lambda: {"defaultUrl": self._url(self.title.full)}),
            "mw.ustring": (
                dict,
                lambda: {"stringLengthLimit": 2 * 1024 * 1024, "patternLengthLimit": 10_000},
            ),
            "mw.language": (self._language_interface, dict),
            "mw.message": (self._message_interface, lambda: {"lang": "en"}),
            "mw.title": (self._title_interface, self._title_options),
            "mw.text": (self._text_interface, _text_options),
            "mw.html": (dict, lambda: {"uniqPrefix": MARKER_PREFIX, "uniqSuffix": MARKER_SUFFIX}),
            "mw.hash": (self._hash_interface, dict),
        }
        for name in LIBRARIES:
            functions, options = libraries[name]
            self._register(name, functions(), options())

    # --- the engine's interface (LuaEngine.php) -----------------------------------------

    def _mw_interface(self) -> dict:
        compile_package = self.runtime.eval(
            "function(source, compile) return function(name)"
            " local code, chunkname = source(name)"
            " if code == nil then return nil end"
            " local chunk, message = compile(code, chunkname)"
            " if not chunk then error(message, 0) end"
            " return chunk end end"
        )
        return {
            "loadPackage": compile_package(self._package_source, self.compile),
            "loadPHPLibrary": lambda name: None,
            "frameExists": lambda frame_id: frame_id in self.frames,
            "newChildFrame": self._new_child_frame,
            "getExpandedArgument": self._argument,
            "getAllExpandedArguments": self._all_arguments,
            "expandTemplate": self._expand_template,
            "callParserFunction": self._call_parser_function,
            "preprocess": lambda frame_id, text: self._frame(frame_id).preprocess(str(text)),
            "incrementExpensiveFunctionCount": self._expensive,
            "isSubsting": lambda: False,
            "getFrameTitle": lambda frame_id: self._frame(frame_id).title,
            "setTTL": lambda ttl: None,
            "addWarning": lambda text: self.warnings.append(str(text)),
            "loadJsonData": self._load_json,
        }

    def _package_source(self, name):
        name = str(name)
        for folder in LIBRARY_PATHS:
            path = LUALIB / folder / (name.replace(".", "/") + ".lua")
            if path.is_file():
                return path.read_text("utf-8"), "@" + path.name
        title = self.namespaces.title(name)
        if title is None or title.namespace != MODULE:
            return None
        page = self.wiki.pages.get(title.full)
        if self.invocation is not None:
            self.invocation.transcluded(title.full)
        if page is None:
            return None
        return page.text, "=" + title.full

    def _frame(self, frame_id) -> Frame:
        frame = self.frames.get(str(frame_id))
        if frame is None:
            raise ScriptError(f"invalid frame ID {frame_id}")
        return frame

    def _argument(self, frame_id, name):
        return self._frame(frame_id).args.get(str(name))

    def _all_arguments(self, frame_id):
        args = self._frame(frame_id).args
        return self.runtime.table_from({_lua_key(k): v for k, v in args.items()})

    def _new_child_frame(self, frame_id, title, args):
        parent = self._frame(frame_id)
        self.children += 1
        if self.children > 100:
            raise ScriptError("newChild: too many frames")
        name = parent.title if title is False or title is None else str(title)
        child_args = _dict(args)
        frame_id = f"frame{self.children}"
        invocation = self.invocation

        def preprocess(text: str) -> str:
            return invocation.frame.preprocess(text) if invocation else text

        self.frames[frame_id] = Frame(name, child_args, preprocess)
        return frame_id

    def _expand_template(self, frame_id, title, args):
        if self.invocation is None:
            return ""
        return self.invocation.transclude(str(title), _dict(args))

    def _call_parser_function(self, frame_id, name, args):
        name = str(name)
        values = _dict(args)
        positional = [values.pop(str(i)) for i in range(1, len(values) + 1) if str(i) in values]
        if name.startswith("#tag:"):
            tag = name[5:]
            content = positional[0] if positional else ""
            attributes = "".join(f' {k}="{v}"' for k, v in sorted(values.items()))
            return f"<{tag}{attributes}>{content}</{tag}>"
        head, _, first = name.partition(":")
        parts = [first, *positional] if first else positional
        parts += [f"{k}={v}" for k, v in sorted(values.items())]
        text = "{{" + head + ":" + "|".join(parts) + "}}"
        return self._frame(frame_id).preprocess(text)

    def _expensive(self):
        self.expensive += 1
        if self.expensive > MAX_EXPENSIVE:
            raise ScriptError("too many expensive function calls")

    def _load_json(self, name):
        title = self.namespaces.title(str(name))
        page = self.wiki.pages.get(title.full) if title else None
        if page is None:
            raise ScriptError(f"bad argument #1 to 'mw.loadJsonData' ('{name}' is not a page)")
        try:
            return self._table(json.loads(page.text))
        except ValueError as error:
            raise ScriptError(f"mw.loadJsonData: {error}") from None

    # --- the libraries' interfaces --------------------------------------------------------

    def _url(self, title: str, query: str = "") -> str:
        url = self.wiki.site.article_url.replace("$1", quote(title.replace(" ", "_"), safe="/:"))
        return url + ("?" + query if query else "") if url else ""

    def _site_options(self) -> dict:
        namespaces = {}
        for number, name in self.namespaces.names.items():
            subject = number - 1 if number > 0 and number % 2 else number
            entry = {
                "id": number, "name": name, "canonicalName": name,
                "hasSubpages": number not in (0, 6, 14), "hasGenderDistinction": number in (2, 3),
                "isCapitalized": self.wiki.site.case == "first-letter",
                "isContent": number == 0, "isIncludable": True, "isMovable": number >= 0,
                "isSubject": number < 0 or number % 2 == 0,
                "isTalk": number > 0 and number % 2 == 1,
                "defaultContentModel": "Scribunto" if number == MODULE else "wikitext",
                "aliases": [], "subject": subject,
            }  # fmt: skip
            if number >= 0:
                entry["talk"] = subject + 1
                entry["associated"] = subject + 1 if number == subject else subject
            namespaces[number] = entry
        server = re.match(r"(https?:)?//[^/]+", self.wiki.site.article_url or "")
        pages = len(self.wiki.pages)
        stats = {"pages": pages, "articles": pages, "files": len(self.wiki.files), "edits": 0,
                 "users": 0, "activeUsers": 0, "admins": 0}  # fmt: skip
        return {
            "siteName": self.wiki.site.name,
            "server": server.group(0) if server else "",
            "scriptPath": "",
            "stylePath": "",
            "currentVersion": "1.39",
            "stats": stats,
            "namespaces": namespaces,
        }

    def _site_interface(self) -> dict:
        return {
            "getNsIndex": lambda name: self.namespaces.lookup(str(name)),
            "pagesInCategory": lambda *args: 0,
            "pagesInNamespace": lambda ns: sum(
                1 for p in self.wiki.pages.values() if p.namespace == ns
            ),
            "usersInGroup": lambda group: 0,
            "interwikiMap": lambda *args: self.runtime.table_from({}),
        }

    def _uri_interface(self) -> dict:
        def url(which):
            return lambda page, query=None: self._url(str(page), _query(query))

        return {
            "anchorEncode": lambda text: str(text).replace(" ", "_"),
            "localUrl": url("local"),
            "fullUrl": url("full"),
            "canonicalUrl": url("canonical"),
        }

    def _language_interface(self) -> dict:
        def first(change):
            return lambda code, s: (str(s)[:1] and change(str(s)[:1])) + str(s)[1:]

        return {
            "getContLangCode": lambda: "en",
            "isSupportedLanguage": lambda code: code == "en",
            "isKnownLanguageTag": lambda code: bool(re.fullmatch(LANGUAGE_TAG, str(code))),
            "isValidCode": lambda code: bool(re.fullmatch(r"[a-z0-9-]+", str(code))),
            "isValidBuiltInCode": lambda code: bool(re.fullmatch(r"[a-z0-9-]+", str(code))),
            "fetchLanguageName": lambda code, *a: "English" if code == "en" else "",
            "fetchLanguageNames": lambda *a: self.runtime.table_from({"en": "English"}),
            "getFallbacksFor": lambda code: self.runtime.table_from([]),
            "isRTL": lambda code: False,
            "lc": lambda code, s: str(s).lower(),
            "uc": lambda code, s: str(s).upper(),
            "lcfirst": first(str.lower),
            "ucfirst": first(str.upper),
            "caseFold": lambda code, s: str(s).casefold(),
            "formatNum": lambda code, n, *a: _format_number(n, a),
            "parseFormattedNumber": lambda code, s: str(s).replace(",", ""),
            "convertPlural": lambda code, n, forms: _plural(n, forms),
            "formatDate": lambda code, fmt, date=None, local=None: _format_date(fmt, date),
        }  # fmt: skip

    def _message_interface(self) -> dict:
        """Messages are the wiki's MediaWiki: pages, else MediaWiki's defaults (mwdata); one
        no one has reads ⧼key⧽, as on a wiki."""

        def text(data) -> str | None:
            raw = data["rawMessage"]
            if raw is not None:
                return str(raw)
            for key in (data["keys"] or {}).values():
                page = self.wiki.pages.get(f"{self.namespaces.names.get(8, 'MediaWiki')}:"
                                           f"{str(key)[:1].upper()}{str(key)[1:]}")  # fmt: skip
                if page is not None:
                    return page.text
            for key in (data["keys"] or {}).values():
                default = mwdata.message(str(key))
                if default is not None:
                    return default
            return None

        def plain(data) -> str:
            found = text(data)
            if found is None:
                first = next(iter((data["keys"] or {}).values()), "")
                return f"\u29fc{first}\u29fd"
            params = [_message_param(v) for _, v in sorted((data["params"] or {}).items())]
            return re.sub(
                r"\$(\d+)",
                lambda m: params[int(m.group(1)) - 1] if 0 < int(m.group(1)) <= len(params)
                else m.group(0),
                found,
            )  # fmt: skip

        def check(what, data) -> bool:
            found = text(data)
            if what == "exists":
                return found is not None
            return found is None or found.strip() in ("", "-")  # isBlank, isDisabled

        return {"plain": plain, "check": check}

    def _title_data(self, title: Title | None):
        if title is None:
            return None
        data = {
            "isCurrentTitle": title.full == self.title.full and not title.fragment,
            "isLocal": True,
            "interwiki": title.interwiki or "",
            "namespace": title.namespace,
            "nsText": title.prefix,
            "text": title.text,
            "fragment": title.fragment or "",
            "thePartialUrl": quote(title.text.replace(" ", "_"), safe="/:"),
        }
        if title.namespace not in (6, -2):
            data["file"] = False
        return self.runtime.table_from(data)

    def _title_options(self) -> dict:
        return {"thisTitle": self._title_data(self.title), "NS_MEDIA": -2}

    def _title_interface(self) -> dict:
        def new_title(text_or_id, default=None):
            if isinstance(text_or_id, int | float):
                return None  # page ids mean nothing here
            namespace = 0
            if isinstance(default, int | float):
                namespace = int(default)
            elif isinstance(default, str):
                namespace = self.namespaces.lookup(default) or 0
            return self._title_data(
                self.namespaces.title(str(text_or_id), default_namespace=namespace)
            )

        def make_title(ns, text, fragment=None, interwiki=None):
            if isinstance(ns, str):
                ns = self.namespaces.lookup(ns)
            if ns is None:
                return None
            prefix = self.namespaces.names.get(int(ns), "")
            raw = f"{prefix}:{text}" if prefix else f":{text}"
            if fragment:
                raw += f"#{fragment}"
            return self._title_data(self.namespaces.title(raw))

        def expensive(text):
            title = self.namespaces.title(str(text))
            if title is None:
                return None
            if self.invocation is not None and title.full != self.title.full:
                self._expensive()
                self.invocation.link(title.full)
            exists = title.full in self.wiki.pages or title.full in self.wiki.redirects
            return self.runtime.table_from(
                {
                    "isRedirect": title.full in self.wiki.redirects,
                    "id": 1 if exists else 0,
                    "contentModel": "Scribunto" if title.namespace == MODULE else "wikitext",
                    "exists": exists,
                }
            )

        def content(text):
            title = self.namespaces.title(str(text))
            if title is None:
                return None
            if self.invocation is not None:
                self.invocation.transcluded(title.full)
            page = self.wiki.pages.get(title.full)
            return page.text if page else None

        def redirect_target(text):
            title = self.namespaces.title(str(text))
            target = self.wiki.redirects.get(title.full) if title else None
            return self._title_data(self.namespaces.title(target)) if target else None

        return {
            "newTitle": new_title,
            "makeTitle": make_title,
            "getExpensiveData": expensive,
            "getUrl": lambda text, which, query=None, proto=None: self._url(
                str(text), _query(query)
            ),
            "getContent": content,
            "getFileInfo": lambda text: self.runtime.table_from({"exists": False}),
            "protectionLevels": lambda text: self.runtime.table_from({}),
            "cascadingProtection": lambda text: self._table({"restrictions": {}, "sources": []}),
            "redirectTarget": redirect_target,
            "recordVaryFlag": lambda text, flag: None,
        }

    def _text_interface(self) -> dict:
        import html.entities

        def json_encode(value, flags=0):
            return json.dumps(_python(value), ensure_ascii=False, separators=(",", ":"))

        def json_decode(text, flags=0):
            try:
                return self._table(_one_based(json.loads(str(text))))
            except ValueError as error:
                raise ScriptError(f"mw.text.jsonDecode: {error}") from None

        entities = {f"&{k}": v for k, v in html.entities.html5.items() if k.endswith(";")}
        return {
            "unstrip": lambda s: str(s),
            "unstripNoWiki": lambda s: str(s),
            "killMarkers": lambda s: str(s),
            "getEntityTable": lambda: self.runtime.table_from(entities),
            "jsonEncode": json_encode,
            "jsonDecode": json_decode,
        }

    def _hash_interface(self) -> dict:
        algorithms = sorted(hashlib.algorithms_available)

        def value(algorithm, text):
            try:
                digest = hashlib.new(str(algorithm))
            except ValueError:
                raise ScriptError(f"Unknown hashing algorithm: {algorithm}") from None
            digest.update(str(text).encode("utf-8", "surrogateescape"))
            return digest.hexdigest()

        return {"listAlgorithms": lambda: self.runtime.table_from(algorithms), "hashValue": value}

    # --- running an #invoke ----------------------------------------------------------------

    def invoke(self, call: Invocation) -> str:
        """Run one ``{{#invoke:}}``; :class:`ScriptError` says why it failed."""
        started = time.perf_counter()
        outer = (self.invocation, self.frames.get("current"), self.frames.get("parent"))
        self.invocation = call
        self.frames["current"], self.frames["parent"] = call.frame, call.parent
        self.frames.setdefault("empty", Frame(self.title.full, {}, lambda text: text))
        try:
            return self._run(call)
        except self.lupa.LuaMemoryError:
            raise ScriptError("not enough memory (the limit is 50 MB a page)") from None
        except self.lupa.LuaError as error:
            raise ScriptError(_lua_message(error)) from None
        except RecursionError:
            raise ScriptError("too many nested #invoke and template calls") from None
        except ScriptError:
            raise
        except Exception as error:  # what a callback raised (a limit of the expander, a
            # Python attribute asked for): the module failed, the page goes on
            raise ScriptError(str(error) or type(error).__name__) from None
        finally:
            self.invocation = outer[0]
            for key, frame in zip(("current", "parent"), outer[1:], strict=True):
                if frame is None:
                    self.frames.pop(key, None)
                else:
                    self.frames[key] = frame
            self.seconds += time.perf_counter() - started
            self.invokes += 1

    def _run(self, call: Invocation) -> str:
        page = self.wiki.pages.get(call.module.full)
        call.transcluded(call.module.full)
        if page is None:
            raise ScriptError(f'No such module "{call.module.text}".')
        chunk = self._chunks.get(call.module.full)
        if chunk is None:
            chunk = self._chunks[call.module.full] = self._chunk(page.text, "=" + call.module.full)
        mw = self.env["mw"]
        ok, function = mw.executeModule(chunk, call.function, None)
        over = self.over()
        if over:
            raise ScriptError(str(over))
        if not ok:
            raise ScriptError(f"The module returned a {function} value; it is supposed to "
                              "return an export table.")  # fmt: skip
        if self.lupa.lua_type(function) != "function":
            raise ScriptError(f'The function "{call.function}" does not exist.')
        result = mw.executeFunction(function)
        over = self.over()
        if over:
            raise ScriptError(str(over))
        result = str(result)
        if len(result) > MAX_RESULT:
            raise ScriptError(f"the module returned more than {MAX_RESULT:,} characters")
        return result


def _text_options() -> dict:
    return {"comma": ", ", "and": " and ", "ellipsis": "...", "nowiki_protocols": {}}


def _lua_key(key: str):
    return int(key) if key.isdigit() and not key.startswith("0") else key


def _dict(table) -> dict[str, str]:
    if table is None:
        return {}
    result = {}
    for key, value in table.items():
        if isinstance(key, float) and key.is_integer():
            key = int(key)
        result[str(key)] = str(value) if not isinstance(value, bool) else ("1" if value else "")
    return result


def _query(query) -> str:
    if query is None:
        return ""
    if isinstance(query, str):
        return query
    return "&".join(f"{quote(str(k))}={quote(str(v))}" for k, v in _dict(query).items())


def _python(value):
    """A Lua value as JSON-able Python (a table with keys 1..n is a list)."""
    if hasattr(value, "items"):
        items = dict(value.items())
        if (
            items
            and all(isinstance(k, int) for k in items)
            and sorted(items) == list(range(1, len(items) + 1))
        ):
            return [_python(items[k]) for k in sorted(items)]
        return {str(k): _python(v) for k, v in items.items()}
    return value


def _one_based(value):
    if isinstance(value, list):
        return {i + 1: _one_based(v) for i, v in enumerate(value)}
    if isinstance(value, dict):
        return {k: _one_based(v) for k, v in value.items()}
    return value


def _format_number(number, options) -> str:
    try:
        value = float(number)
    except (TypeError, ValueError):
        return str(number)
    if value.is_integer():
        return f"{int(value):,}"
    return f"{value:,}"


def _message_param(value) -> str:
    if hasattr(value, "items"):
        fields = dict(value.items())
        return str(fields.get("raw", fields.get("num", "")))
    return str(value)


def _format_date(fmt, date) -> str:
    try:
        return dates.format_date(str(fmt), dates.parse_time(None if date is None else str(date)))
    except dates.BadDate as error:
        raise ScriptError(f"bad argument #2 to 'formatDate' ({error})") from None


def _plural(number, forms) -> str:
    values = [str(v) for _, v in sorted(forms.items())] if hasattr(forms, "items") else []
    if not values:
        return ""
    try:
        one = float(number) == 1
    except (TypeError, ValueError):
        one = False
    return values[0] if one or len(values) == 1 else values[1]


def _lua_message(error: Exception) -> str:
    text = str(error).strip()
    text = re.sub(r"^error loading code: ", "", text)
    # lupa adds a traceback after the message
    return text.split("\nstack traceback:")[0].strip()
