"""What Lua costs (issue 14), on demand: ``python tests/benchmark_lua.py [PAGES] [--json]``
(``python scripts/benchmark.py --lua PAGES`` runs it and adds it to its report).

Starts Debian's MediaWiki with Scribunto on loopback (tests/mediawiki.py) with PAGES pages
(default 100) of which a tenth call a module, and prints: the requests per page an API
conversion with ``--expand auto`` makes (reading the wiki, and expanding the pages that need
it; again with the cache: none), and the time local Lua takes per ``#invoke`` (the call, and
the Lua state a page that uses Lua needs).

Measured 2026-12-02 on the 2-core build machine, 100 pages + Main Page + the module:
10 pages expanded by the wiki; reading 8 requests, expanding 11 (10 expandtemplates, 1
prop=templates) = 0.11 per page (0.19 in all); 0 with the cache; local Lua about 3 ms an
#invoke and 10 ms for a page's Lua state.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from mediawiki import MediaWiki, available, export_xml
from mw2sphinx import titles
from mw2sphinx.expand import expand_page
from mw2sphinx.lua import PageEngine
from mw2sphinx.sources.api import read_api
from mw2sphinx.sources.client import ApiClient
from mw2sphinx.sources.expansion import ExpandCache, plan_expansion

SETTINGS = """
wfLoadExtension('ParserFunctions');
wfLoadExtension('Scribunto');
$wgScribuntoDefaultEngine = 'luastandalone';
$wgScribuntoEngineConf['luastandalone']['luaPath'] = '/usr/bin/lua5.1';
$wgParserCacheType = CACHE_NONE;
"""
MODULE = (
    "local p = {}\nfunction p.count(frame)\n  local n = 0\n"
    "  for _ in mw.ustring.gmatch(frame.args[1], '%S+') do n = n + 1 end\n"
    "  return n\nend\nreturn p\n"
)


def corpus(size: int) -> dict[str, str]:
    pages = {}
    for i in range(size):
        extra = " It has {{#invoke:Count|count|a b c d}} words." if i % 10 == 0 else " Plain."
        pages[f"Page {i}"] = f"Page {i}.{extra}\n\n== Section ==\n[[Page {(i + 1) % size}]]\n"
    return pages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", type=int, nargs="?", default=100)
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args()
    if (why := available()) is not None:
        print(f"error: {why}", file=sys.stderr)
        return 1
    server = MediaWiki(name="Benchmark", settings=SETTINGS).install()
    try:
        server.edit("Module:Count", MODULE)
        xml = server.root / "pages.xml"
        xml.write_text(export_xml(corpus(args.pages)), "utf-8")
        server.import_xml(xml)
        server.start()
        client = ApiClient(server.api_url)
        wiki = read_api(server.api_url, client=client)
        reading = client.requests
        namespaces = titles.Namespaces(wiki.site)
        cache = ExpandCache()

        def plan():
            return plan_expansion(
                wiki, mode="auto", client=client, cache=cache, expand=expand_page,
                namespaces=namespaces,
            )  # fmt: skip

        first = plan()
        on_wiki = sum(1 for where in first.where.values() if where == "wiki")
        count = len(wiki.pages)
        again = plan().requests
        invokes, seconds = 0, 0.0
        for name, page in wiki.pages.items():
            expansion = expand_page(
                page.text, wiki=wiki, title=namespaces.title(name), namespaces=namespaces
            )
            invokes, seconds = invokes + expansion.lua_invokes, seconds + expansion.lua_seconds
        started = time.perf_counter()
        for _ in range(10):
            PageEngine(wiki, namespaces, namespaces.title("Page 0"))
        state = (time.perf_counter() - started) / 10
    finally:
        server.remove()
    numbers = {
        "pages": count,
        "expanded_by_wiki": on_wiki,
        "reading_requests": reading,
        "expansion_requests": first.requests,
        "expansion_requests_per_page": first.requests / count,
        "requests_per_page": (reading + first.requests) / count,
        "requests_again_with_cache": again,
        "invokes": invokes,
        "ms_per_invoke": 1000 * seconds / max(invokes, 1),
        "ms_per_lua_state": 1000 * state,
    }
    print(json.dumps(numbers, indent=1) if args.json else summary(numbers))
    return 0


def summary(numbers: dict) -> str:
    """The numbers, for people."""
    n = numbers
    return (
        f"{n['pages']} pages, {n['expanded_by_wiki']} expanded by the wiki: reading "
        f"{n['reading_requests']} requests, expanding {n['expansion_requests']} = "
        f"{n['expansion_requests_per_page']:.3f} a page ({n['requests_per_page']:.3f} in all); "
        f"again with the cache: {n['requests_again_with_cache']}\n"
        f"local Lua: {n['invokes']} #invoke, {n['ms_per_invoke']:.2f} ms each; "
        f"a page's Lua state {n['ms_per_lua_state']:.1f} ms"
    )


if __name__ == "__main__":
    sys.exit(main())
