"""Which failures are worth retrying, and how long to wait (Retry-After first, else backoff)."""

from __future__ import annotations

import email.utils
import random
import time
from typing import Any

MAX_RETRY_AFTER = 120.0
RETRY_STATUS = frozenset({408, 409, 429})


def is_retryable(exc: BaseException) -> bool:
    """429, 408/409, 5xx, timeouts and connection errors; never 4xx caused by the request."""
    import openai

    from groupbuild.backends.llm.transport import StatusError

    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(exc, (openai.APIStatusError, StatusError)):
        return exc.status_code in RETRY_STATUS or exc.status_code >= 500
    return False


def retry_after(exc: BaseException) -> float | None:
    """Seconds the server asked us to wait (`retry-after-ms`, `retry-after` seconds or date)."""
    response: Any = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    value = headers.get("retry-after-ms")
    if value is not None:
        try:
            return _bounded(float(value) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return _bounded(float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return _bounded(parsed.timestamp() - time.time()) if parsed else None


def _bounded(seconds: float) -> float | None:
    return seconds if 0 <= seconds <= MAX_RETRY_AFTER else None


class Backoff:
    """A tenacity `wait`: the server's Retry-After plus a little jitter, else jittered backoff."""

    def __init__(self, initial: float = 0.5, maximum: float = 30.0) -> None:
        self.initial, self.maximum = initial, maximum

    def __call__(self, retry_state: Any) -> float:
        outcome = retry_state.outcome
        exc = outcome.exception() if outcome is not None else None
        return self.wait(exc, retry_state.attempt_number)

    def first(self, exc: BaseException) -> float:
        """The wait after the first failure, before tenacity takes over."""
        return self.wait(exc, 1)

    def after_first(self, retry_state: Any) -> float:
        """A tenacity `wait` for attempts counted from the second one."""
        outcome = retry_state.outcome
        exc = outcome.exception() if outcome is not None else None
        return self.wait(exc, retry_state.attempt_number + 1)

    def wait(self, exc: BaseException | None, failures: int) -> float:
        """Seconds to wait after `failures` failed attempts, the last of which raised `exc`."""
        asked = retry_after(exc) if exc is not None else None
        if asked is not None:
            return asked + random.uniform(0, self.initial / 4)
        ceiling = min(self.maximum, self.initial * 2 ** (failures - 1))
        return random.uniform(ceiling / 2, ceiling)
