"""A polite client for the MediaWiki Action API.

What https://www.mediawiki.org/wiki/API:Etiquette asks of a client: a descriptive
User-Agent, ``maxlag``, requests in series (here at most two in flight), compressed
answers, and backing off when the server says so (429 and 503 with ``Retry-After``, the
``maxlag`` and ``ratelimited`` error codes). Every failure becomes one
:class:`SourceError` naming the API, and the request never leaves the wiki's host.
"""

from __future__ import annotations

import email.utils
import gzip
import json
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent import futures
from http.client import HTTPException, HTTPMessage
from pathlib import Path

from .. import __version__
from .common import SourceError

USER_AGENT = (
    f"mw2sphinx/{__version__} (MediaWiki to Sphinx converter; fetches a wiki to publish it "
    f"as documentation) Python-urllib/{sys.version_info.major}.{sys.version_info.minor}"
)
#: HTTP statuses that mean "try again later".
RETRY_STATUS = {429, 500, 502, 503, 504}
#: API error codes that mean the same.
RETRY_CODES = {"maxlag", "ratelimited", "readonly", "internal_api_error_DBQueryError"}
#: Longer than this the URL of a GET gets, the request is sent as a POST.
MAX_GET_URL = 4000


class _Refused(Exception):
    """A redirect that would leave the wiki's host."""


class TooLarge(Exception):
    """An answer longer than the caller allows."""


class _Stopped(SourceError):
    """Another chain of requests failed; this one stops too."""

    def __init__(self):
        super().__init__("stopped after another request failed")


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    def __init__(self, allowed: Callable[[str], bool]):
        self.allowed = allowed

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if not self.allowed(newurl):
            raise _Refused(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class ApiClient:
    """One wiki's API; thread-safe, with at most ``in_flight`` requests at a time."""

    def __init__(
        self,
        api_url: str,
        *,
        user_agent: str = USER_AGENT,
        timeout: float = 60.0,
        retries: int = 5,
        backoff: float = 2.0,
        max_wait: float = 300.0,
        maxlag: int = 5,
        in_flight: int = 2,
        allowed_hosts: tuple[str, ...] = (),
    ):
        parts = urllib.parse.urlsplit(api_url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise SourceError(f"{api_url}: not an http(s) URL")
        self.api_url = urllib.parse.urlunsplit(parts._replace(query="", fragment=""))
        self.scheme = parts.scheme
        self.host = parts.netloc.lower()
        self.allowed_hosts = {self.host, *(h.lower() for h in allowed_hosts)}
        self.user_agent = user_agent
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.maxlag = maxlag
        self.requests = 0  # every HTTP request sent, retries included
        self.in_flight = in_flight
        self._count = threading.Lock()
        self._slots = threading.BoundedSemaphore(in_flight)
        self._stopped = threading.Event()
        self._opener = urllib.request.build_opener(_SameHostRedirects(self.on_host))

    # --- the HTTP layer ---------------------------------------------------------------

    def on_host(self, url: str) -> bool:
        """Whether a URL stays on the wiki's host (or a host allowed explicitly)."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in {"http", "https"}:
            return False
        if self.scheme == "https" and parts.scheme == "http":
            return False  # no downgrade
        return parts.netloc.lower() in self.allowed_hosts

    def _send(
        self, url: str, data: bytes | None, limit: int | None = None
    ) -> tuple[int, HTTPMessage, bytes]:
        if self._stopped.is_set():
            raise _Stopped
        request = urllib.request.Request(
            url,
            data=data,
            headers={"User-Agent": self.user_agent, "Accept-Encoding": "gzip"},
        )
        with self._count:
            self.requests += 1
        with self._slots:
            try:
                with self._opener.open(request, timeout=self.timeout) as response:
                    status, headers = response.status, response.headers
                    body = _read_at_most(response, limit)
            except urllib.error.HTTPError as error:
                status, headers = error.code, error.headers
                try:
                    body = error.read()
                except (OSError, HTTPException):
                    body = b""
        if headers.get("Content-Encoding", "").lower() == "gzip":
            body = gzip.decompress(body)
        return status, headers, body

    def _wait_for(self, attempt: int, headers: HTTPMessage | None) -> float:
        """How long to wait before the next attempt: what the server asks, else backoff."""
        asked = _retry_after(headers.get("Retry-After")) if headers is not None else None
        return asked if asked is not None else self.backoff * 2**attempt

    def fetch(
        self, url: str, *, data: bytes | None = None, what: str = "", limit: int | None = None
    ) -> tuple[HTTPMessage, bytes]:
        """The headers and body of a successful answer, after the retries the server allows.

        ``limit``: the most bytes the body may have; a longer one is refused, unread.
        """
        where = f"{self.api_url}{': ' + what if what else ''}"
        for attempt in range(self.retries + 1):
            headers = None
            try:
                status, headers, body = self._send(url, data, limit)
            except _Refused as refused:
                allowed = ", ".join(sorted(self.allowed_hosts))
                raise SourceError(
                    f"{where}: redirected to {refused.args[0]}, which leaves {allowed}; refused"
                ) from None
            except TooLarge:
                raise SourceError(f"{where}: larger than {limit:,} bytes; refused") from None
            except (TimeoutError, OSError, HTTPException, EOFError, zlib.error) as error:
                problem = f"no answer ({_describe(error)})"
            else:
                if 200 <= status < 300:
                    return headers, body
                if status not in RETRY_STATUS:
                    raise SourceError(f"{where}: HTTP {status} {_status_text(status)}")
                problem = f"HTTP {status} {_status_text(status)}"
            wait = self._wait_for(attempt, headers)
            self._give_up_or_sleep(where, problem, attempt, wait)
        raise AssertionError("unreachable")

    def _give_up_or_sleep(self, where: str, problem: str, attempt: int, wait: float) -> None:
        if attempt >= self.retries:
            tries = "once" if attempt == 0 else f"{attempt + 1} times"
            raise SourceError(f"{where}: {problem} (tried {tries})")
        if wait > self.max_wait:
            raise SourceError(f"{where}: {problem}; the server asks to wait {wait:.0f} s")
        if self._stopped.wait(wait):
            raise _Stopped

    def parallel(self, jobs: Iterable[Callable[[], object]]) -> list:
        """Run independent chains of requests side by side, as many as may be in flight.

        The first failure is raised once the other chains have stopped, at their next
        request: a failed fetch does not go on downloading.
        """
        jobs = list(jobs)
        if len(jobs) <= 1:
            return [job() for job in jobs]
        pool = futures.ThreadPoolExecutor(max_workers=self.in_flight)
        running = [pool.submit(job) for job in jobs]
        try:
            done, _ = futures.wait(running, return_when=futures.FIRST_EXCEPTION)
            for future in running:
                if future in done and (error := future.exception()) is not None:
                    raise error
            return [future.result() for future in running]
        except BaseException:
            self._stopped.set()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    # --- the API layer ----------------------------------------------------------------

    def call(self, params: dict[str, str], *, what: str = "", probe: bool = False) -> dict:
        """One API request; its JSON answer, after retries for lag, limits and bad answers.

        ``probe``: this is the first request, so a web page means the URL is not an API.
        """
        params = {
            **params,
            "format": "json",
            "formatversion": "2",
            "maxlag": str(self.maxlag),
            "errorformat": "plaintext",
        }
        query = urllib.parse.urlencode(params)
        if len(self.api_url) + len(query) + 1 > MAX_GET_URL:
            url, data = self.api_url, query.encode("utf-8")
        else:
            url, data = f"{self.api_url}?{query}", None
        where = f"{self.api_url}{': ' + what if what else ''}"
        for attempt in range(self.retries + 1):
            headers, body = self.fetch(url, data=data, what=what)
            try:
                answer = json.loads(body.decode("utf-8"))
                if not isinstance(answer, dict):
                    raise ValueError("not an object")
            except ValueError:
                if probe and body.lstrip()[:1] == b"<":
                    raise SourceError(
                        f"{where}: not a MediaWiki API (the answer is a web page, not JSON); "
                        "give the URL of api.php, e.g. https://host/w/api.php"
                    ) from None
                self._give_up_or_sleep(
                    where, "the answer is not valid JSON", attempt, self.backoff * 2**attempt
                )
                continue
            errors = _errors(answer)
            if not errors:
                return answer
            code, text = errors[0]
            if code not in RETRY_CODES:
                raise SourceError(f"{where}: API error {code}: {text}")
            wait = self._wait_for(attempt, headers)
            if code == "maxlag":
                wait = max(wait, 1.0)
            self._give_up_or_sleep(where, f"API error {code}: {text}", attempt, wait)
        raise AssertionError("unreachable")

    def pages(self, params: dict[str, str], *, what: str = "") -> Iterator[list[dict]]:
        """Follow ``continue``; yield each batch of pages once all its parts have come.

        With ``prop=revisions`` a batch of the generator can take several answers
        (``rvcontinue``) when it is large; a page's revision is in exactly one of them.
        """
        batch: dict[int | str, dict] = {}
        carry: dict[str, str] = {}
        while True:
            answer = self.call({**params, **carry}, what=what)
            for page in answer.get("query", {}).get("pages", []):
                key = page.get("pageid") or page.get("title")
                merged = batch.setdefault(key, {})
                for name, value in page.items():
                    if isinstance(value, list) and isinstance(merged.get(name), list):
                        merged[name] = merged[name] + value
                    else:
                        merged[name] = value
            carry = {k: str(v) for k, v in answer.get("continue", {}).items()}
            # A batch is complete when only the generator is left to continue.
            if not any(k != "continue" and not k.startswith("g") for k in carry):
                if batch:
                    yield list(batch.values())
                batch = {}
            if not carry:
                return

    def listing(self, params: dict[str, str], key: str, *, what: str = "") -> Iterator[dict]:
        """The items of a ``list=`` module, following ``continue``."""
        carry: dict[str, str] = {}
        while True:
            answer = self.call({**params, **carry}, what=what)
            yield from answer.get("query", {}).get(key, [])
            carry = {k: str(v) for k, v in answer.get("continue", {}).items()}
            if not carry:
                return

    def download(
        self, url: str, dest: Path | None = None, *, what: str, limit: int | None = None
    ) -> tuple[HTTPMessage, bytes]:
        """A file the wiki serves (on its host, or a host allowed explicitly): its headers
        and bytes, stored in ``dest`` if given. ``limit``: the most bytes it may have."""
        if not self.on_host(url):
            host = urllib.parse.urlsplit(url).netloc
            raise SourceError(
                f"{self.api_url}: {what}: {url} is not on {self.host}; "
                f"allow its host with --allow-host {host}"
            )
        headers, body = self.fetch(url, what=what, limit=limit)
        if dest is not None:
            dest.write_bytes(body)
        return headers, body


def _read_at_most(response, limit: int | None) -> bytes:
    """The body of an answer, or :class:`TooLarge` as soon as it is longer than ``limit``."""
    if limit is None:
        return response.read()
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge
    body = response.read(limit + 1)
    if len(body) > limit:
        raise TooLarge
    return body


def _errors(answer: dict) -> list[tuple[str, str]]:
    """The API errors of an answer, in either error format."""
    found = []
    if isinstance(answer.get("error"), dict):
        error = answer["error"]
        found.append((str(error.get("code", "unknown")), str(error.get("info", ""))))
    for error in answer.get("errors", []) or []:
        if isinstance(error, dict):
            text = error.get("text") or error.get("*") or error.get("info") or ""
            found.append((str(error.get("code", "unknown")), " ".join(str(text).split())))
    return found


def _retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds: a number, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def _status_text(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _describe(error: BaseException) -> str:
    if isinstance(error, urllib.error.URLError) and error.reason:
        reason = error.reason
        return getattr(reason, "strerror", None) or str(reason)
    strerror = getattr(error, "strerror", None)
    if isinstance(error, TimeoutError | HTTPException) or not strerror:
        return str(error) or type(error).__name__
    return str(strerror)
