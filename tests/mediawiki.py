"""A real MediaWiki on loopback, for the tests of the API source and the fetcher.

Debian's ``mediawiki`` package (with ``php-sqlite3`` and ``php-cli``; ``.ci/run`` installs
them) keeps the code in ``/usr/share/mediawiki``. Each wiki here is its own installation
in a temporary folder: an SQLite database, an upload folder and a LocalSettings.php that
``MW_CONFIG_FILE`` points the code at, so nothing of the system's wiki is used or touched.
``php -S`` serves it; the maintenance scripts (``edit.php``, ``importDump.php`` …) change it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

CODE = Path(os.environ.get("MW_CODE", "/usr/share/mediawiki"))
PHP = shutil.which("php")
ADMIN_PASSWORD = "loopback-admin-password-1"


def available() -> str | None:
    """Why a wiki cannot be started here, or ``None`` if it can."""
    if PHP is None:
        return "php is not installed (apt-get install php-cli php-sqlite3 mediawiki)"
    if not (CODE / "maintenance" / "install.php").is_file():
        return f"MediaWiki is not in {CODE} (apt-get install mediawiki)"
    return None


def scratch_folder() -> Path:
    """A new folder for a wiki, in memory where there is /dev/shm: SQLite syncs every
    write, and on a busy disk installing and importing then takes many times longer."""
    shm = Path("/dev/shm")
    base = shm if shm.is_dir() and os.access(shm, os.W_OK) else None
    return Path(tempfile.mkdtemp(prefix="mw2sphinx-wiki-", dir=base))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MediaWiki:
    """One wiki: install it, serve it, change it with the maintenance scripts, stop it."""

    def __init__(
        self, root: Path | None = None, *, name: str = "Loopback Wiki", settings: str = ""
    ):
        self.root = root or scratch_folder()
        self.name = name
        self.port = free_port()
        self.server = f"http://127.0.0.1:{self.port}"
        self.config = self.root / "LocalSettings.php"
        self.images = self.root / "images"
        self.extra_settings = settings
        self.process: subprocess.Popen | None = None

    @property
    def api_url(self) -> str:
        return f"{self.server}/api.php"

    def env(self) -> dict[str, str]:
        return {**os.environ, "MW_CONFIG_FILE": str(self.config), "MW_INSTALL_PATH": str(CODE)}

    def php(self, script: str, *args: str, stdin: str | None = None) -> str:
        result = subprocess.run(
            [PHP, str(CODE / "maintenance" / script), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env(),
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{script} {args}: {result.stdout}{result.stderr}")
        return result.stdout

    def install(self) -> MediaWiki:
        self.root.mkdir(parents=True, exist_ok=True)
        self.images.mkdir(exist_ok=True)
        self.php(
            "install.php",
            "--dbtype=sqlite",
            f"--dbpath={self.root / 'data'}",
            "--dbname=wiki",
            f"--server={self.server}",
            "--scriptpath=",
            f"--confpath={self.root}",
            f"--pass={ADMIN_PASSWORD}",
            "--lang=en",
            self.name,
            "Admin",
        )
        with self.config.open("a", encoding="utf-8") as settings:
            settings.write(
                "\n$wgEnableUploads = true;\n"
                f"$wgUploadDirectory = {str(self.images)!r};\n"
                # img_auth.php serves the uploads from this wiki's own folder
                '$wgUploadPath = "$wgScriptPath/img_auth.php";\n'
                "$wgJobRunRate = 0;\n"
                "$wgShowExceptionDetails = true;\n"
                + self.extra_settings.replace("{port}", str(self.port))
                + "\n"
            )
        return self

    def clone(self) -> MediaWiki:
        """A copy of this (stopped) wiki, on a port of its own: quicker than installing and
        importing again."""
        copy = MediaWiki(name=self.name)
        shutil.copytree(self.root, copy.root, dirs_exist_ok=True)
        settings = self.config.read_text("utf-8")
        settings = settings.replace(self.server, copy.server).replace(
            str(self.root), str(copy.root)
        )
        copy.config.write_text(settings, "utf-8")
        return copy

    def start(self) -> MediaWiki:
        env = {**self.env(), "PHP_CLI_SERVER_WORKERS": "2"}
        # A process group of its own: php -S forks its workers, and stop() ends them all.
        self.process = subprocess.Popen(
            [PHP, "-S", f"127.0.0.1:{self.port}", "-t", str(CODE)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(
                    f"{self.api_url}?action=query&meta=siteinfo&format=json", timeout=5
                ) as answer:
                    if "query" in json.load(answer):
                        return self
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError(f"php -S on port {self.port} did not come up") from None
                time.sleep(0.1)

    def remove(self) -> None:
        """Stop the wiki and delete its folder."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def stop(self) -> None:
        if self.process is None:
            return
        group = self.process.pid  # the group's id: the server started a session
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
            self.process.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)  # workers that outlived the server
        self.process = None

    # --- changing the wiki ---------------------------------------------------------------

    def edit(self, title: str, text: str, *, summary: str = "test") -> None:
        self.php("edit.php", "--summary", summary, "--user", "Admin", title, stdin=text)

    def import_xml(self, path: Path) -> None:
        self.php("importDump.php", str(path))

    def delete(self, title: str) -> None:
        listing = self.root / "delete.txt"
        listing.write_text(title + "\n", "utf-8")
        self.php("deleteBatch.php", "--u", "Admin", "--r", "test", str(listing))

    def move(self, old: str, new: str, *, redirect: bool = True) -> None:
        listing = self.root / "move.txt"
        listing.write_text(f"{old}|{new}\n", "utf-8")
        flags = [] if redirect else ["--noredirects"]
        self.php("moveBatch.php", "--u", "Admin", "--r", "test", *flags, str(listing))

    def upload(self, path: Path) -> None:
        self.php("importImages.php", "--user", "Admin", "--comment", "test", str(path.parent))

    def dump(self, path: Path) -> Path:
        self.php("dumpBackup.php", "--current", "--quiet", f"--output=file:{path}")
        return path

    def api(self, **params: str) -> dict:
        query = urllib.parse.urlencode({**params, "format": "json", "formatversion": "2"})
        with urllib.request.urlopen(f"{self.api_url}?{query}", timeout=30) as answer:
            return json.load(answer)


def export_xml(pages: dict[str, str], *, version: str = "0.11") -> str:
    """A MediaWiki XML export of ``pages`` (title -> text), one revision each."""
    from xml.sax.saxutils import escape, quoteattr

    blocks = []
    for number, (title, text) in enumerate(pages.items(), start=1):
        blocks.append(
            "  <page>\n"
            f"    <title>{escape(title)}</title>\n"
            f"    <id>{number}</id>\n"
            "    <revision>\n"
            f"      <id>{number}</id>\n"
            "      <timestamp>2024-01-01T00:00:00Z</timestamp>\n"
            "      <contributor><username>Admin</username><id>1</id></contributor>\n"
            "      <model>wikitext</model>\n"
            "      <format>text/x-wiki</format>\n"
            f'      <text xml:space="preserve" bytes={quoteattr(str(len(text.encode())))}>'
            f"{escape(text)}</text>\n"
            "    </revision>\n"
            "  </page>\n"
        )
    return (
        f'<mediawiki xmlns="http://www.mediawiki.org/xml/export-{version}/" '
        f'version="{version}" xml:lang="en">\n' + "".join(blocks) + "</mediawiki>\n"
    )
