"""The one HTTP client factory for live providers: httpx with a bounded retry policy."""

from __future__ import annotations

import logging
import random
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from functools import cache
from typing import Any

import httpx

from bot.links.base import LinkSourceError

# httpx logs every request URL at INFO, and Semrush wants its key in the query string.
logging.getLogger("httpx").setLevel(logging.WARNING)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
AUTH_STATUSES = frozenset({401, 403})

ResponseCheck = Callable[[httpx.Response], None]


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: attempts, backoff, timeout, parallel requests per provider.

    `sleep` and `jitter` are injectable so tests run without waiting.
    """

    attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 60.0
    timeout: float = 60.0
    concurrency: int = 4
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random

    def backoff(self, attempt: int) -> float:
        """Exponential, jittered over its upper half so parallel clients spread out."""
        ceiling = min(self.max_delay, self.base_delay * 2**attempt)
        return ceiling * (0.5 + 0.5 * self.jitter())


class CredentialsRefused(LinkSourceError):
    """The provider rejected the credentials; the message names the variables to check."""


class RetryLater(Exception):
    """Raised by a response check when the provider asks to be called again later."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


_slots: dict[tuple[str, int], threading.BoundedSemaphore] = {}
_slots_lock = threading.Lock()


def _provider_slots(provider: str, limit: int) -> threading.BoundedSemaphore:
    """One semaphore per provider for the whole process, so Slack analyses share the limit."""
    with _slots_lock:
        return _slots.setdefault((provider, limit), threading.BoundedSemaphore(limit))


@cache
def _tls_context() -> ssl.SSLContext:
    # Loading the CA bundle takes ~20 ms; once per process is enough.
    return ssl.create_default_context()


class ProviderClient:
    """An httpx client for one provider that retries and limits parallelism."""

    def __init__(
        self,
        label: str,
        base_url: str,
        *,
        credentials: str,
        policy: RetryPolicy,
        auth: httpx.Auth | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> None:
        self.label = label
        self.credentials = credentials
        self.policy = policy
        self._slots = _provider_slots(label, policy.concurrency)
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            auth=auth,
            headers=headers,
            params=params,
            timeout=policy.timeout,
            verify=_tls_context(),
            limits=httpx.Limits(max_connections=policy.concurrency),
        )

    def __enter__(self) -> ProviderClient:
        return self

    def __exit__(self, *_: object) -> None:
        self._client.close()

    def request(
        self, method: str, path: str, *, check: ResponseCheck | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Send, retrying timeouts, 429, 5xx and whatever `check` calls RetryLater."""
        reason = ""
        for attempt in range(self.policy.attempts):
            try:
                response = self._send(method, path, **kwargs)
                self._judge(response, check)
            except httpx.TimeoutException:
                reason, wait = "timed out", self.policy.backoff(attempt)
            except httpx.TransportError as error:
                reason, wait = (
                    f"connection failed ({type(error).__name__})",
                    self.policy.backoff(attempt),
                )
            except RetryLater as later:
                reason, wait = later.reason, self._wait(later, attempt)
            else:
                return response
            if attempt + 1 < self.policy.attempts:
                self.policy.sleep(wait)
        raise LinkSourceError(
            f"{self.label} did not answer after {self.policy.attempts} attempts "
            f"(last: {reason}); try again later"
        )

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        with self._slots:
            return self._client.request(method, path, **kwargs)

    def _judge(self, response: httpx.Response, check: ResponseCheck | None) -> None:
        if response.status_code in AUTH_STATUSES:
            raise self.refused(f"HTTP {response.status_code}")
        if response.status_code in RETRY_STATUSES:
            raise RetryLater(f"HTTP {response.status_code}", retry_after_seconds(response))
        if check is not None:
            check(response)
        elif response.is_error:
            raise LinkSourceError(f"{self.label} answered HTTP {response.status_code}")

    def _wait(self, later: RetryLater, attempt: int) -> float:
        if later.retry_after is None:
            return self.policy.backoff(attempt)
        if later.retry_after > self.policy.max_delay:
            raise LinkSourceError(
                f"{self.label} is rate limiting us for {later.retry_after:.0f} s; try again later"
            )
        return later.retry_after

    def refused(self, detail: str) -> CredentialsRefused:
        """The error for rejected credentials, naming the variables to check."""
        return CredentialsRefused(
            f"{self.label} refused the credentials ({detail}): check {self.credentials}"
        )


def json_error_check(provider: str, detail_key: str) -> Callable[[httpx.Response], None]:
    """A `check` for providers whose errors are HTTP 4xx with a JSON body naming the problem
    in `detail_key`: LinkSourceError with the status and that detail."""

    def check(response: httpx.Response) -> None:
        if not response.is_error:
            return
        try:
            detail = str(response.json().get(detail_key) or "")
        except (ValueError, AttributeError):
            detail = ""
        raise LinkSourceError(
            f"{provider} answered HTTP {response.status_code}: {detail}".rstrip(": ")
        )

    return check


def retry_after_seconds(response: httpx.Response) -> float | None:
    """`Retry-After` as seconds, whether given as a number or an HTTP date."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())
