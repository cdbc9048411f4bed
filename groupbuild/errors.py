"""Errors that carry where and why, so no failure reaches the user as a bare traceback."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class GroupbuildError(Exception):
    """Base of every error groupbuild raises on purpose."""


class InputError(GroupbuildError):
    """Malformed input, located by file, line and field."""

    def __init__(self, path: str, line: int | None, field: str | None, reason: str) -> None:
        self.path, self.line, self.field, self.reason = path, line, field, reason
        where = path if line is None else f"{path}:{line}"
        what = f" field {field!r}:" if field else ""
        super().__init__(f"{where}:{what} {reason}")


class StageReject(GroupbuildError):
    """A record cannot go on through a stage; the runner logs it as a reject with this reason."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason, self.detail = reason, detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


class Deferred(GroupbuildError):
    """A record cannot be decided now: a service it needs kept failing past its retries.

    An outage is not a verdict on the record, so it is not rejected: it stays pending, the
    summary counts it with this reason, and the next run tries it again.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason, self.detail = reason, detail
        super().__init__(f"{reason}: {detail}" if detail else reason)

    def __reduce__(self) -> tuple[type[Deferred], tuple[str, str]]:
        """Rebuilt from its fields when it crosses from a worker process."""
        return Deferred, (self.reason, self.detail)


class FolderBusyError(GroupbuildError):
    """Another process holds the folder's lock: two runs on one store would corrupt it."""


class AccountingError(GroupbuildError):
    """The published counts do not add up: some seed is lost, counted twice or unknown."""


DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
_DISK_FULL_TEXT = ("no space left on device", "file too large", "disk quota exceeded")


class DiskFullError(GroupbuildError):
    """A write failed for lack of space or over the file-size limit; a rerun resumes."""

    def __init__(self, path: str | Path, too_large: bool = False) -> None:
        self.path, self.too_large = str(path), too_large
        what = "file too large" if too_large else "no space left on device"
        super().__init__(f"{what} writing {self.path}")

    def __reduce__(self) -> tuple[type[DiskFullError], tuple[str, bool]]:
        """Rebuilt from its fields when it crosses from a worker process."""
        return DiskFullError, (self.path, self.too_large)


def disk_full(exc: OSError, path: str | Path) -> DiskFullError | None:
    """The `DiskFullError` that `exc` amounts to, or None if it is some other failure.

    Arrow's writers raise OSError without an errno, so their message is read as well.
    """
    text = str(exc).lower()
    if exc.errno not in DISK_FULL_ERRNOS and not any(t in text for t in _DISK_FULL_TEXT):
        return None
    too_large = exc.errno == errno.EFBIG or "file too large" in text
    return DiskFullError(exc.filename or path, too_large)


@contextmanager
def writing(path: str | Path) -> Iterator[None]:
    """Turn a full disk (or a file-size limit) met while writing `path` into a `DiskFullError`."""
    try:
        yield
    except OSError as exc:
        full = disk_full(exc, path)
        if full is None:
            raise
        raise full from None
