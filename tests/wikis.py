"""Fixture wikis of our own, kept as bundles so that no .mediawiki file is committed."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = ROOT.parent / "shared"
SHARED_SNAPSHOT = SHARED / "ai-interpretability-wiki"

#: Why a test of the shared wiki (its snapshot, export and rendering) does not run elsewhere.
NO_SHARED = f"needs {SHARED}/ (the shared wiki snapshot), which is not next to this checkout"
#: For tests that read the shared wiki: skipped, with the reason, where it is not.
needs_shared = pytest.mark.skipif(not SHARED_SNAPSHOT.is_dir(), reason=NO_SHARED)


def require_shared() -> None:
    """In a fixture that reads the shared wiki: skip its tests where it is not."""
    if not SHARED_SNAPSHOT.is_dir():
        pytest.skip(NO_SHARED)


def unpack(bundle: Path, dest: Path) -> Path:
    """Write the files of a bundle (``@@@ path`` lines start files) into ``dest``."""
    current: list[str] | None = None
    files: dict[str, list[str]] = {}
    for line in bundle.read_text("utf-8").splitlines(keepends=True):
        if line.startswith("@@@ "):
            current = files.setdefault(line[4:].strip(), [])
        elif current is not None:
            current.append(line)
    for relative, lines in files.items():
        path = dest / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(lines), "utf-8")
    return dest


def write_conf_shim(srcdir: Path) -> None:
    """sphinx.testing reads conf.py from the source folder: one that runs the project's."""
    (srcdir / "conf.py").write_text(
        "import runpy\n"
        f"globals().update({{k: v for k, v in runpy.run_path({str(ROOT / 'conf.py')!r}).items()"
        " if not k.startswith('__')})\n",
        "utf-8",
    )


def sphinx_build(srcdir: Path, outdir: Path, builder: str = "html") -> tuple[str, Path]:
    """Build with sphinx.testing and the project's conf.py; return (warnings, output folder)."""
    from sphinx.testing.util import SphinxTestApp

    write_conf_shim(srcdir)
    warnings = StringIO()
    app = SphinxTestApp(
        builder, srcdir=srcdir, builddir=outdir, warning=warnings, status=StringIO(), freshenv=True
    )
    try:
        app.build()
    finally:
        app.cleanup()
    return warnings.getvalue(), Path(app.outdir)


def convert(source: Path, dest: Path, *args: str) -> int:
    from mw2sphinx.cli import convert_main

    return convert_main(["--source", str(source), "--dest", str(dest), "--quiet", *args])


def tree_of(wiki) -> dict[str, str | bytes]:
    """Convert a wiki in memory: every file of its site tree (as the command line writes it)."""
    from mw2sphinx.pipeline import convert_tree

    return convert_tree(wiki)[0]
