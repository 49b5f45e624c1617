"""The command line: help, bad input with one-line errors, and a destination left intact."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from wikis import FIXTURES, ROOT, unpack

CONVERT = [sys.executable, str(ROOT / "scripts" / "convert.py")]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CONVERT, *args], capture_output=True, text=True, timeout=120)


def tree(path):
    return {
        p.relative_to(path).as_posix(): p.read_bytes()
        for p in sorted(path.rglob("*"))
        if p.is_file()
    }


def test_help_explains_every_option():
    result = run("--help")
    assert result.returncode == 0
    for option in ("--source", "--dest", "--site-name", "--article-url", "--quiet"):
        assert option in result.stdout


def test_missing_source_is_a_one_line_error(tmp_path):
    result = run("--source", str(tmp_path / "nowhere"), "--dest", str(tmp_path / "out"))
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "nowhere" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_file_that_is_not_a_wiki_is_an_error(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    result = run("--source", str(tmp_path / "notes.txt"), "--dest", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "notes.txt" in result.stderr and "Traceback" not in result.stderr


def test_unwritable_destination_is_an_error(tmp_path):
    wiki = unpack(FIXTURES / "small-wiki.bundle", tmp_path / "wiki")
    # Nothing can create a folder in /proc, not even root (which CI runs as).
    result = run("--source", str(wiki), "--dest", "/proc/wiki-site")
    assert result.returncode == 1
    assert "/proc/wiki-site" in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0


def test_destination_that_is_a_file_is_an_error(tmp_path):
    wiki = unpack(FIXTURES / "small-wiki.bundle", tmp_path / "wiki")
    (tmp_path / "file").write_text("not a folder")
    result = run("--source", str(wiki), "--dest", str(tmp_path / "file"))
    assert result.returncode == 1
    assert "file" in result.stderr and "Traceback" not in result.stderr
    assert (tmp_path / "file").read_text() == "not a folder"


def test_failed_write_leaves_the_previous_tree(tmp_path):
    wiki = unpack(FIXTURES / "small-wiki.bundle", tmp_path / "wiki")
    dest = tmp_path / "site"
    assert run("--source", str(wiki), "--dest", str(dest)).returncode == 0
    before = tree(dest)
    # The next run cannot write one of its folders: nothing of the old tree may change.
    (wiki / "food" / "Fruit.mediawiki").write_text("Changed.", "utf-8")
    (dest / "pages").rename(tmp_path / "pages-aside")
    (dest / "pages").write_text("a file where a folder should be")
    result = run("--source", str(wiki), "--dest", str(dest))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    (dest / "pages").unlink()
    (tmp_path / "pages-aside").rename(dest / "pages")
    assert tree(dest) == before


def test_rerun_rewrites_only_changed_files(tmp_path):
    wiki = unpack(FIXTURES / "small-wiki.bundle", tmp_path / "wiki")
    dest = tmp_path / "site"
    assert run("--source", str(wiki), "--dest", str(dest)).returncode == 0
    times = {p: p.stat().st_mtime_ns for p in dest.rglob("*.md")}
    os.utime(dest / "pages" / "Orphan.md", ns=(1, 1))
    times[dest / "pages" / "Orphan.md"] = 1
    (wiki / "misc" / "Orphan.mediawiki").write_text("New text.", "utf-8")
    result = run("--source", str(wiki), "--dest", str(dest))
    assert result.returncode == 0
    changed = {
        p.relative_to(dest).as_posix()
        for p in dest.rglob("*.md")
        if p.stat().st_mtime_ns != times.get(p)
    }
    assert changed == {"pages/Orphan.md"}


def test_files_it_does_not_own_are_left_alone(tmp_path):
    wiki = unpack(FIXTURES / "small-wiki.bundle", tmp_path / "wiki")
    dest = tmp_path / "site"
    dest.mkdir()
    (dest / "README.md").write_text("mine")
    assert run("--source", str(wiki), "--dest", str(dest)).returncode == 0
    (wiki / "misc" / "Orphan.mediawiki").unlink()
    assert run("--source", str(wiki), "--dest", str(dest)).returncode == 0
    assert (dest / "README.md").read_text() == "mine"
    assert not (dest / "pages" / "Orphan.md").exists()


def test_files_the_source_has_are_copied_into_the_tree(tmp_path):
    """A fetched snapshot lists its files in snapshot.json; the page shows the image."""
    from mw2sphinx.model import SiteInfo, WikiFile
    from mw2sphinx.sources.snapshot import MANIFEST, Manifest, manifest_to_json

    wiki = unpack(FIXTURES / "small-wiki.bundle", tmp_path / "wiki")
    (wiki / "file").mkdir()
    image = (FIXTURES / "files" / "Example.png").read_bytes()
    (wiki / "file" / "Example.png").write_bytes(image)
    with (wiki / "misc" / "Orphan.mediawiki").open("a", encoding="utf-8") as page:
        page.write("\n[[File:Example.png|thumb|A blue box]]\n")
    files = {"File:Example.png": WikiFile("File:Example.png", path="file/Example.png")}
    manifest = Manifest("https://small.example/w/api.php", "2026-01-01T00:00:00Z",
                        SiteInfo(name="Small Wiki"), pages={}, files=files)  # fmt: skip
    (wiki / MANIFEST).write_text(manifest_to_json(manifest), "utf-8")
    dest = tmp_path / "site"
    result = run("--source", str(wiki), "--dest", str(dest))
    assert result.returncode == 0, result.stderr
    assert (dest / "media" / "Example.png").read_bytes() == image
    assert "```{figure} /media/Example.png" in (dest / "pages" / "Orphan.md").read_text("utf-8")


def test_report_lists_unknown_templates_red_links_and_counts(tmp_path):
    wiki = unpack(FIXTURES / "constructs-wiki.bundle", tmp_path / "wiki")
    dest = tmp_path / "site"
    result = run("--source", str(wiki), "--dest", str(dest))
    assert result.returncode == 0, result.stderr
    report = json.loads((dest / "_wiki" / "report.json").read_text("utf-8"))
    assert report["unknown_templates"] == {"Template:No such template": ["Templates"]}
    assert report["red_links"]["Missing page"] == ["Links"]
    assert report["pages"] + report["categories"] + report["redirects"] == len(
        list(wiki.rglob("*.mediawiki"))
    )
    assert "1 unknown templates" in result.stdout


def test_files_whose_names_differ_in_the_case_of_their_suffix_stay_apart(tmp_path):
    from mw2sphinx.model import SiteInfo, WikiFile
    from mw2sphinx.sources.snapshot import MANIFEST, Manifest, manifest_to_json

    wiki = unpack(FIXTURES / "small-wiki.bundle", tmp_path / "wiki")
    (wiki / "file").mkdir()
    upper, lower = (FIXTURES / "files" / "Example.png").read_bytes(), b"another image"
    (wiki / "file" / "Box.PNG").write_bytes(upper)
    (wiki / "file" / "Box.png").write_bytes(lower)
    with (wiki / "misc" / "Orphan.mediawiki").open("a", encoding="utf-8") as page:
        page.write("\n[[File:Box.PNG|thumb|Upper]]\n\n[[File:Box.png|thumb|Lower]]\n")
    files = {
        name: WikiFile(name, path=f"file/{name.split(':')[1]}")
        for name in ("File:Box.PNG", "File:Box.png")
    }
    manifest = Manifest("https://small.example/w/api.php", "2026-01-01T00:00:00Z",
                        SiteInfo(name="Small Wiki"), pages={}, files=files)  # fmt: skip
    (wiki / MANIFEST).write_text(manifest_to_json(manifest), "utf-8")
    dest = tmp_path / "site"
    result = run("--source", str(wiki), "--dest", str(dest))
    assert result.returncode == 0, result.stderr
    page = (dest / "pages" / "Orphan.md").read_text("utf-8")
    shown = re.findall(r"\{figure\} /(media/\S+)\n(?:.*\n)*?(Upper|Lower)", page)
    assert len({place for place, _ in shown}) == 2, page
    for place, caption in shown:
        assert (dest / place).read_bytes() == (upper if caption == "Upper" else lower)
