"""Test-wide guards: no network beyond loopback, and every run writes under a temp dir."""

from __future__ import annotations

import ipaddress
import os
import socket
import tempfile
from pathlib import Path

import pytest
from paths import REPO, SHARED_DATA

# Read at import time by huggingface_hub and datasets, so set before any test imports them.
_HF_HOME = tempfile.mkdtemp(prefix="groupbuild-hf-")
os.environ["HF_HOME"] = _HF_HOME
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_DISABLE_XET", "1")
for _name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "HF_TOKEN"):
    os.environ.pop(_name, None)


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _loopback_only(address: object) -> None:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        try:
            if ipaddress.ip_address(host).is_loopback:
                return
        except ValueError:
            if host == "localhost":
                return
        raise ConnectionRefusedError(f"tests may only reach loopback, not {host}")


def _guarded_connect(self: socket.socket, address: object) -> None:
    _loopback_only(address)
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    _loopback_only(address)
    return _real_connect_ex(self, address)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _writes_under_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Default run and output dirs point into the test's temp dir, never the checkout."""
    monkeypatch.setenv("GROUPBUILD_RUNNER__RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("GROUPBUILD_PUBLISH__OUT_DIR", str(tmp_path / "dist"))
    monkeypatch.setenv("GROUPBUILD_RUNNER__PROGRESS", "false")


@pytest.fixture
def repo_root() -> Path:
    return REPO


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"optional resource missing: {SHARED_DATA} (public seed sets, present in CI)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def bundled_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """One offline build over the bundled seeds, shared by the tests that inspect its output."""
    from pipeline_helpers import config_for

    from groupbuild.runner import run

    tmp = tmp_path_factory.mktemp("bundled")
    summary = run(config_for(tmp), base_dir=REPO)
    return tmp / "dist", summary
