"""One offline build through the CLI, as a user runs it: the shared step of the yield benches.

The seed sources go into a config file in `workdir`; the run and the dataset stay there, so a
bench reads `dist/summary.json` and `dist/rejects.jsonl` afterwards.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def build(sources: list[dict[str, Any]], workdir: Path, *sets: str) -> tuple[dict[str, Any], float]:
    """Run every stage over `sources` on the rules backend; the summary and the wall seconds.

    `sets` are more `--set key=value` overrides. A failed run ends the bench with its exit code.
    """
    config = workdir / "bench.yaml"
    config.write_text(
        json.dumps({"name": "bench", "seeds": {"sources": sources, "skip_invalid": True}})
    )
    command = [
        sys.executable, "-m", "groupbuild.cli", "run", "--quiet", "--config", str(config),
        "--set", f"runner.runs_dir={workdir / 'runs'}",
        "--set", f"publish.out_dir={workdir / 'dist'}",
    ]  # fmt: skip
    for item in sets:
        command += ["--set", item]
    started = time.perf_counter()
    code = subprocess.run(command, cwd=REPO, stdout=subprocess.DEVNULL, check=False).returncode
    wall = time.perf_counter() - started
    if code != 0:
        sys.exit(f"the pipeline failed with exit code {code}")
    summary: dict[str, Any] = json.loads((workdir / "dist" / "summary.json").read_text())
    return summary, wall
