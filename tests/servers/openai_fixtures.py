"""Pytest fixture for the local OpenAI-compatible server (load with `pytest_plugins`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.servers.openai_script import RoleScript
from tests.servers.openai_server import OpenAIServer, Responder


@pytest.fixture
def openai_server() -> Iterator[Callable[..., OpenAIServer]]:
    """A factory: `openai_server(responder, latency=..., faults=Faults(...))`, stopped after."""
    started: list[OpenAIServer] = []

    def start(responder: Responder | None = None, **options: Any) -> OpenAIServer:
        server = OpenAIServer(responder or RoleScript(), **options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
