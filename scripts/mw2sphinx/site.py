"""The Sphinx source tree: page files, category pages, the home page, site data.

:func:`build_tree` is pure: it returns every file of the tree as text.
:func:`write_tree` puts them in place, rewriting only files whose content
changed, so that Sphinx rereads only what changed; it writes into a staging
folder first, so a failure leaves the previous tree as it was.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from . import titles as t
from .convert import ConvertedPage
from .model import Wiki
from .myst import escape, escape_line_starts
from .sitedata import PageEntry, Redirect, SiteData

#: Folders and files the converter owns in the destination.
MANAGED = ("index.md", "pages", "categories", "special", "media", "_wiki")
MANIFEST = "_wiki/manifest.json"


@dataclasses.dataclass
class Category:
    title: t.Title
    docname: str
    page: ConvertedPage | None
    members: list[tuple[str, str]]  # (sort key, title) of pages
    subcategories: list[tuple[str, str]]


def _heading(text: str) -> str:
    return escape_line_starts(escape(text)).strip()


def _front_matter(page: ConvertedPage | None, *, toc_allowed: bool = True) -> str:
    """Furo's ``hide-toc`` follows MediaWiki: a table of contents from four headings."""
    if page is not None:
        switches = page.switches
        show = "NOTOC" not in switches and (
            page.heading_count >= 4 or bool({"FORCETOC", "TOC"} & switches)
        )
    else:
        show = toc_allowed
    return "" if show else "---\nhide-toc: true\n---\n"


def _sort_key(text: str) -> tuple[str, str]:
    return (text.casefold(), text)


def _toctree(
    docnames: list[str], *, caption: str = "", hidden: bool = False, maxdepth: int = 1
) -> str:
    if not docnames:
        return ""
    options = [f":maxdepth: {maxdepth}"]
    if caption:
        options.append(f":caption: {caption}")
    if hidden:
        options.append(":hidden:")
    entries = "\n".join("/" + d for d in docnames)
    return "```{toctree}\n" + "\n".join(options) + "\n\n" + entries + "\n```\n"


def _category_footer(page: ConvertedPage, categories: dict[str, Category]) -> str:
    links = []
    for name in sorted(dict.fromkeys(name for name, _ in page.categories), key=_sort_key):
        category = categories.get(name)
        if category is not None:
            links.append(f"[{escape(category.title.text)}](#{t.label(category.docname)})")
    if not links:
        return ""
    word = "Category" if len(links) == 1 else "Categories"
    return "{.wiki-categories}\n" + f"{word}: " + " \u00b7 ".join(links) + "\n"


def _page_file(page: ConvertedPage, categories: dict[str, Category]) -> str:
    title = page.display_title if page.title.namespace != t.CATEGORY else page.title.text
    parts = [
        _front_matter(page),
        f"({t.label(page.docname)})=\n# {_heading(title)}\n",
        page.markdown.strip() + "\n" if page.markdown.strip() else "",
        _category_footer(page, categories),
    ]
    return "\n".join(p for p in parts if p)


def build_tree(
    pages: list[ConvertedPage],
    *,
    wiki: Wiki,
    namespaces: t.Namespaces,
    category_docnames: dict[str, str],
    redirects: dict[str, tuple[str, str | None]],
    report_json: str,
    media: Mapping[str, str] | None = None,
    media_sources: Mapping[str, str] | None = None,
) -> dict[str, str | bytes]:
    """Every file of the site tree, by path relative to the destination.

    ``media`` maps the title of each file the source has a copy of to its place in the
    tree (``media/…``); the copy (``media_sources[title]``, else the source's own
    ``path``) is read here.
    """
    by_title = {p.title.full: p for p in pages}
    categories: dict[str, Category] = {}
    for page in pages:
        if page.title.namespace == t.CATEGORY:
            categories[page.title.full] = Category(page.title, page.docname, page, [], [])
    for name, docname in category_docnames.items():
        if name not in categories:
            categories[name] = Category(namespaces.page(name), docname, None, [], [])
    for page in pages:
        for name, key in dict(page.categories).items():  # the last sort key wins
            sort_key = key or page.sort_key or page.title.text
            if page.title.namespace == t.CATEGORY:
                categories[name].subcategories.append((sort_key, page.title.full))
            elif page.docname != "index":
                categories[name].members.append((sort_key, page.docname))
    files: dict[str, str | bytes] = {}
    for page in pages:
        if page.title.namespace == t.CATEGORY:
            continue
        files[page.docname + ".md"] = _page_file(page, categories)
    # Category toctrees are the navigation; a subcategory that would close a loop is linked
    # instead of nested, so the toctree stays a tree.
    parent_of: dict[str, str] = {}
    for name in sorted(categories, key=lambda n: _sort_key(n)):
        for _, sub in sorted(categories[name].subcategories):
            if sub in categories and sub not in parent_of and sub != name:
                # only nest if that does not make a cycle
                ancestor, cycle = name, False
                while ancestor in parent_of:
                    ancestor = parent_of[ancestor]
                    if ancestor == sub:
                        cycle = True
                        break
                if not cycle and ancestor != sub:
                    parent_of[sub] = name
    roots = [c for n, c in categories.items() if n not in parent_of]
    for category in categories.values():
        files[category.docname + ".md"] = _category_file(category, categories, parent_of)
    special = special_pages(pages, categories)
    files.update({docname + ".md": content for docname, content in special.items()})
    files.update(_redirect_files(redirects))
    home = by_title.get(wiki.site.main_page)
    files["index.md"] = _home_file(home, wiki, categories, roots, sorted(special))
    files["_wiki/site.json"] = _site_data(wiki, pages, categories, special, redirects).to_json()
    files["_wiki/report.json"] = report_json
    for title, place in sorted((media or {}).items()):
        local = (media_sources or {}).get(title) or wiki.files[title].path
        if local is not None:
            files[place] = Path(local).read_bytes()
    return files


def _category_file(
    category: Category, categories: dict[str, Category], parent_of: dict[str, str]
) -> str:
    name = category.title.text
    parts = []
    if category.page is not None:
        parts.append(_front_matter(category.page))
    else:
        parts.append(_front_matter(None, toc_allowed=False))
    parts.append(f"({t.label(category.docname)})=\n# {_heading(name)}\n")
    if category.page is not None and category.page.markdown.strip():
        parts.append(category.page.markdown.strip() + "\n")
    nested = [
        s
        for _, s in sorted(category.subcategories, key=lambda x: _sort_key(x[0]))
        if parent_of.get(s) == category.title.full
    ]
    linked = [
        s
        for _, s in sorted(category.subcategories, key=lambda x: _sort_key(x[0]))
        if parent_of.get(s) != category.title.full and s in categories
    ]
    members = [d for _, d in sorted(category.members, key=lambda x: _sort_key(x[0]))]
    if nested or linked:
        count = len(nested) + len(linked)
        parts.append(
            f"## Subcategories\n\nThis category has {count} subcategor"
            f"{'y' if count == 1 else 'ies'}.\n"
        )
        parts.append(_toctree([categories[s].docname for s in nested]))
        for s in linked:
            parts.append(
                f"- [{escape(categories[s].title.text)}](#{t.label(categories[s].docname)})\n"
            )
    heading = escape(f"Pages in category \u201c{name}\u201d")
    count = len(members)
    parts.append(
        f"## {heading}\n\nThe following {count} page{'s are' if count != 1 else ' is'}"
        " in this category.\n"
    )
    parts.append(_toctree(members))
    if category.page is not None:
        parts.append(_category_footer(category.page, categories))
    return "\n".join(p for p in parts if p)


def _special_page(docname: str, title: str, intro: str, body: str = "") -> str:
    head = f"---\nhide-toc: true\n---\n\n({t.label(docname)})=\n# {title}\n\n{intro}\n"
    return head + ("\n" + body if body else "")


def _link(page: ConvertedPage) -> str:
    return f"[{escape(page.title.full)}](#{t.label(page.docname)})"


def special_pages(pages: list[ConvertedPage], categories: dict[str, Category]) -> dict[str, str]:
    """The special pages of the site (every document of titles.SPECIAL_PAGES), by docname."""
    articles = sorted(
        (p for p in pages if p.title.namespace != t.CATEGORY),
        key=lambda p: _sort_key(p.title.full),
    )
    uncategorized = [p for p in articles if not p.categories and p.docname != "index"]
    wanted: dict[str, set[str]] = {}
    for page in pages:
        for missing in page.red_links:
            wanted.setdefault(missing, set()).add(page.title.full)
    by_title = {p.title.full: p for p in pages}
    wanted_lines = [
        f"- [{escape(title)}]{{.wiki-redlink}} ({_count(len(wanted[title]), 'link')}:"
        f" {', '.join(_link(by_title[w]) for w in sorted(wanted[title], key=_sort_key))})"
        for title in sorted(wanted, key=lambda w: (-len(wanted[w]), _sort_key(w)))
    ]
    category_lines = [
        f"- [{escape(c.title.text)}](#{t.label(c.docname)})"
        f" ({_count(len(c.members) + len(c.subcategories), 'member')})"
        for c in sorted(categories.values(), key=lambda c: _sort_key(c.title.text))
    ]
    return {
        "special/allpages": _special_page(
            "special/allpages",
            "All pages",
            "Every page of the wiki, in alphabetical order.",
            "\n".join(f"- {_link(p)}" for p in articles) + "\n",
        ),
        "special/categories": _special_page(
            "special/categories",
            "Categories",
            "Every category of the wiki, with the number of its pages and subcategories.",
            "\n".join(category_lines) + "\n" if category_lines else "The wiki has no categories.\n",
        ),
        "special/wanted": _special_page(
            "special/wanted",
            "Wanted pages",
            "Pages that are linked to but do not exist, the most wanted first, with the pages"
            " that link to them.",
            "\n".join(wanted_lines) + "\n" if wanted_lines else "No page is wanted.\n",
        ),
        "special/uncategorized": _special_page(
            "special/uncategorized",
            "Uncategorized pages",
            "Pages that are in no category.",
            _toctree([p.docname for p in uncategorized]) or "Every page is in a category.\n",
        ),
        "special/random": _special_page(
            "special/random",
            "Random page",
            "This page takes you to a random article. If it does not, pick one from"
            f" [All pages](#{t.label('special/allpages')}).",
        ),
    }


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _redirect_files(redirects: dict[str, tuple[str, str | None]]) -> dict[str, str]:
    """A small page at each redirect's address: the web site forwards it to the target (see
    :mod:`.sphinxext`); its text links there, named as the target is titled, for a reader
    whose browser does not follow."""
    files = {}
    for title, (docname, target_label) in sorted(redirects.items()):
        target = f"[](#{target_label})" if target_label else "a page the wiki does not have"
        files[docname + ".md"] = (
            f"---\norphan: true\nhide-toc: true\n---\n\n({t.label(docname)})=\n"
            f"# {_heading(title)}\n\n{{.wiki-redirect}}\nThis page redirects to {target}.\n"
        )
    return files


def _home_file(
    home: ConvertedPage | None,
    wiki: Wiki,
    categories: dict[str, Category],
    roots: list[Category],
    special: list[str],
) -> str:
    root_docnames = [c.docname for c in sorted(roots, key=lambda c: _sort_key(c.title.text))]
    navigation = _toctree(root_docnames, caption="Categories", hidden=True)
    navigation += "\n" + _toctree(special, caption="Special pages", hidden=True) if special else ""
    if home is not None:
        body = _page_file(home, categories)
    else:
        body = f"({t.label('index')})=\n# {_heading(wiki.site.name)}\n"
    return body.rstrip("\n") + "\n\n" + navigation


def _site_data(
    wiki: Wiki,
    pages: list[ConvertedPage],
    categories: dict[str, Category],
    special: dict[str, str],
    redirects: dict[str, tuple[str, str | None]],
) -> SiteData:
    entries = {
        p.title.full: PageEntry(
            title=p.title.full,
            docname=p.docname,
            namespace=p.title.namespace,
            revision=wiki.pages[p.title.full].revision,
            timestamp=wiki.pages[p.title.full].timestamp,
            links=tuple(p.links),
            transcludes=tuple(p.transcluded),
            languages=p.languages,
        )
        for p in pages
    }
    for name, category in categories.items():  # generated for their members
        if category.page is None:
            entries[name] = PageEntry(name, category.docname, namespace=t.CATEGORY, generated=True)
    return SiteData(
        name=wiki.site.name,
        article_url=wiki.site.article_url,
        main_page=wiki.site.main_page,
        rights_text=wiki.site.rights_text,
        rights_url=wiki.site.rights_url,
        pages=entries,
        special={docname.rsplit("/", 1)[-1]: docname for docname in special},
        redirects={
            docname: Redirect(title, label or "")
            for title, (docname, label) in sorted(redirects.items())
        },
    )


# --- writing ----------------------------------------------------------------------


class TreeError(Exception):
    """The destination cannot be written; the message names it."""


def _swap_in(changed: list[str], staging: Path, dest: Path) -> None:
    """Move staged files into place; on any failure, put every old file back."""
    backup = staging / ".previous"
    done: list[tuple[Path, Path | None]] = []  # (target, its backup or None if it was new)
    try:
        for relative in changed:
            target = dest / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            saved = None
            if target.exists():
                saved = backup / relative
                saved.parent.mkdir(parents=True, exist_ok=True)
                os.replace(target, saved)
            done.append((target, saved))
            os.replace(staging / relative, target)
    except OSError:
        for target, saved in reversed(done):
            if saved is not None:
                os.replace(saved, target)
            elif target.exists():
                target.unlink()
        raise


def write_tree(files: dict[str, str | bytes], dest: Path) -> tuple[int, int]:
    """Make ``dest`` hold exactly ``files`` in the managed places; return (written, removed).

    Changed files are first written to a staging folder inside ``dest``, then
    renamed into place; files the previous run wrote and this one did not are
    removed. Unchanged files are left alone, with their times.
    """
    try:
        dest.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".wiki-staging-", dir=dest))
    except OSError as error:
        raise TreeError(f"{dest}: cannot be written ({error.strerror or error})") from None
    manifest_path = dest / MANIFEST
    try:
        previous = (
            set(json.loads(manifest_path.read_text("utf-8"))) if manifest_path.exists() else set()
        )
    except (OSError, ValueError):
        previous = set()
    files = dict(files)
    files[MANIFEST] = json.dumps(sorted(files | {MANIFEST: ""}), indent=0) + "\n"
    try:
        changed = []
        for relative, content in sorted(files.items()):
            target = dest / relative
            data = content.encode("utf-8") if isinstance(content, str) else content
            if target.is_file() and target.read_bytes() == data:
                continue
            staged = staging / relative
            staged.parent.mkdir(parents=True, exist_ok=True)
            staged.write_bytes(data)
            changed.append(relative)
        _swap_in(changed, staging, dest)
        removed = 0
        for relative in sorted(previous - set(files)):
            target = dest / relative
            if target.is_file() and relative.split("/")[0] in MANAGED:
                target.unlink()
                removed += 1
        return len(changed), removed
    except OSError as error:
        raise TreeError(f"{dest}: cannot be written ({error.strerror or error})") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
