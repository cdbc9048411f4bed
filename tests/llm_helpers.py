"""Asking a client for structured replies the way the stages do, for the LLM client tests."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from groupbuild.backends.llm.client import LLMClient


def ask_model(client: LLMClient, reply: type[BaseModel], prompts: Iterable[str]) -> list[Any]:
    """One concurrent request per prompt; each result is the parsed reply or the exception.

    The client and its cache are closed afterwards, as a run closes them.
    """

    async def go() -> list[Any]:
        try:
            jobs = [client.structured([{"role": "user", "content": p}], reply) for p in prompts]
            return await asyncio.gather(*jobs, return_exceptions=True)
        finally:
            await client.aclose()
            client.cache.close()

    return asyncio.run(go())
