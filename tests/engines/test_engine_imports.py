"""Ray is an optional extra: the package and the local engine never import it."""

from __future__ import annotations

import subprocess
import sys

from paths import REPO

PROGRAM = """
import sys
from pathlib import Path
import groupbuild
assert "ray" not in sys.modules, "import groupbuild imported ray"
from groupbuild.config import load_config
from groupbuild.runner import run
tmp = Path(sys.argv[1])
config = load_config(overrides=[
    f"runner.runs_dir={tmp / 'runs'}", f"publish.out_dir={tmp / 'dist'}",
    "runner.progress=false", "runner.workers=1",
    "seeds.sources=[{format: bundled, limit: 2}]",
], env={})
summary = run(config, base_dir=Path(sys.argv[2]))
assert summary["seeds_in"] > 0
loaded = sorted(m for m in sys.modules if m == "ray" or m.startswith("ray."))
print(" ".join(loaded) or "none")
"""


def test_the_package_and_the_local_engine_never_import_ray(tmp_path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(tmp_path), str(REPO)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "none"
