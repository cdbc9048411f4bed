"""Rule workers start clean: they do not carry what the driver holds."""

from __future__ import annotations

import os
from pathlib import Path

from groupbuild.config import load_config
from groupbuild.runner import _worker_pool


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")


def test_rule_workers_do_not_carry_the_drivers_memory() -> None:
    ballast = os.urandom(1 << 20) * 300  # 300 MB resident in the driver, as a big run's state
    pool = _worker_pool(load_config(None, overrides=["runner.workers=2"]))
    assert pool is not None
    try:
        worker = pool.submit(os.getpid).result(timeout=60)
        assert worker != os.getpid()
        assert _rss_mb(os.getpid()) > 300
        assert _rss_mb(worker) < 150, "the worker holds the driver's pages"
    finally:
        pool.shutdown()
        del ballast
