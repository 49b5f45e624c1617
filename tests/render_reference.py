"""Render a fixture wiki with a real MediaWiki, for the fidelity tests (run on demand).

    python tests/render_reference.py tests/fixtures/constructs-wiki.bundle \
        tests/fixtures/constructs.rendered.json

Starts Debian's MediaWiki on loopback (tests/mediawiki.py) with the extensions the wiki
text uses (Cite, ParserFunctions, Poem, SyntaxHighlight), loads every page of the
bundle with edit.php, and writes the parse API's result for each page, in the format of
../shared/ai-interpretability-wiki.rendered.json: {title: {text, links, categories,
sections, showtoc, displaytitle}}. The output is kept in git, so that the tests compare with
MediaWiki without needing the server.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

# Run as a script, Python puts this folder first on the path: mediawiki.py is found there.
from mediawiki import MediaWiki, available
from mw2sphinx.model import SiteInfo
from mw2sphinx.sources.folder import read_folder
from mw2sphinx.titles import INTERWIKI

HERE = Path(__file__).resolve().parent
from wikis import unpack  # noqa: E402

# Not Math: its renderings all need a Mathoid/Restbase server, which cannot be reached here,
# so <math> is compared through the golden files only.
EXTENSIONS = ("Cite", "ParserFunctions", "Poem", "SyntaxHighlight_GeSHi")
SETTINGS = "\n".join(f'wfLoadExtension("{name}");' for name in EXTENSIONS) + (
    "\n$wgPFEnableStringFunctions = true;\n"
)


def _interwiki_row(prefix: str, url: str) -> str:
    return (
        "INSERT OR IGNORE INTO interwiki "
        "(iw_prefix, iw_url, iw_api, iw_wikiid, iw_local, iw_trans) "
        f"VALUES ('{prefix}', '{url}', '', '', 0, 0)"
    )


def _post(url: str, **params: str) -> dict:
    data = urllib.parse.urlencode({**params, "format": "json", "formatversion": "2"}).encode()
    with urllib.request.urlopen(url, data=data, timeout=60) as answer:
        return json.load(answer)


def render(bundle: Path, out: Path, *, site_name: str) -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        folder = unpack(bundle, Path(scratch) / "wiki")
        wiki = read_folder(folder, site=SiteInfo(name=site_name))
        server = MediaWiki(Path(scratch) / "mw", name=site_name, settings=SETTINGS)
        server.install()
        for prefix, url in INTERWIKI.items():  # the prefixes the converter knows
            server.php("sql.php", "--query", _interwiki_row(prefix, url))
        server.start()
        try:
            texts = {title: page.text for title, page in wiki.pages.items()}
            for title, target in wiki.redirects.items():
                texts[title] = f"#REDIRECT [[{target}]]"
            for title, text in sorted(texts.items()):
                server.edit(title, text)
            # Each page is parsed anew once all are loaded (the parser cache would keep links
            # to pages loaded after it red).
            rendered = {}
            for title in sorted(wiki.pages):
                result = _post(
                    server.api_url,
                    action="parse",
                    title=title,
                    text=texts[title],
                    contentmodel="wikitext",
                    prop="text|links|categories|sections|displaytitle",
                    disableeditsection="1",
                    disablelimitreport="1",
                )["parse"]
                rendered[title] = {
                    "title": result["title"],
                    "text": result["text"],
                    "links": result["links"],
                    "categories": result["categories"],
                    "sections": result["sections"],
                    "showtoc": result.get("showtoc", False),
                    "displaytitle": result["displaytitle"],
                }
        finally:
            server.stop()
    out.write_text(json.dumps(rendered, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    return rendered


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bundle", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--site-name", default="Constructs Wiki")
    args = parser.parse_args()
    if (why := available()) is not None:
        print(f"error: {why}", file=sys.stderr)
        return 1
    rendered = render(args.bundle, args.out, site_name=args.site_name)
    print(f"{len(rendered)} pages rendered into {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
