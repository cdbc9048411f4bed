"""Awaiting a record's concurrent requests so that one failure does not orphan the others."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from groupbuild.errors import Deferred

T = TypeVar("T")


async def settle(*aws: Awaitable[T]) -> list[T]:
    """Like `asyncio.gather`, but every awaitable finishes before a failure is raised.

    The requests that did succeed are then cached, so the rerun that follows an outage pays
    only for the missing ones. An error that stops the run outranks a deferral.
    """
    results = await asyncio.gather(*aws, return_exceptions=True)
    errors = [r for r in results if isinstance(r, BaseException)]
    if errors:
        raise next((e for e in errors if not isinstance(e, Deferred)), errors[0])
    return results  # type: ignore[return-value]
