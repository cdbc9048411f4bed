"""Errors that carry where and why, so no failure reaches the user as a bare traceback."""

from __future__ import annotations


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
