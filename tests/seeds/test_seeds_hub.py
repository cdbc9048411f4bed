"""The `hub` format reads through `datasets.load_dataset`; an unreachable dataset is an InputError.

Each test runs in a subprocess because `datasets` reads `HF_HUB_OFFLINE` at import time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

SCRIPT = """
import json, sys
from pathlib import Path
from groupbuild.config import SeedSource
from groupbuild.errors import InputError
from groupbuild.seeds import iter_source

source = SeedSource.model_validate_json(sys.argv[1])
try:
    results = list(iter_source(source, base_dir=Path(sys.argv[2])))
except InputError as exc:
    print(f"InputError: {exc}")
    sys.exit(3)
print(json.dumps([r.model_dump(mode="json") for r in results]))
"""


def run(source: dict[str, object], base_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING"))}
    env |= {
        "HF_HUB_OFFLINE": "1",
        "HF_HOME": str(base_dir / "hf-home"),
        "HF_HUB_DISABLE_TELEMETRY": "1",
    }
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(source), str(base_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_an_unreachable_hub_dataset_is_an_input_error_not_a_traceback(tmp_path: Path) -> None:
    source = {"format": "hub", "path": "nobody-here/no-such-dataset", "domain": "math"}
    done = run(source, tmp_path)
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr
    expected = "InputError: nobody-here/no-such-dataset: cannot load Hub dataset"
    assert done.stdout.startswith(expected)


def test_a_local_dataset_directory_loads_through_the_hub_reader(tmp_path: Path) -> None:
    data = tmp_path / "toy-dataset" / "data"
    data.mkdir(parents=True)
    table = pa.table(
        {
            "question": [
                f"What is {k} plus {k}, counted in apples for the fair?" for k in range(5)
            ],
            "answer": [f"{k} + {k} = <<{k}+{k}={2 * k}>>{2 * k}\n#### {2 * k}" for k in range(5)],
        }
    )
    pq.write_table(table, data / "train-00000-of-00001.parquet")
    source = {
        "format": "hub",
        "path": "toy-dataset",
        "domain": "math",
        "source": "toy",
        "limit": 3,
        "license": "cc-by-4.0",
    }
    done = run(source, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    seeds = json.loads(done.stdout.splitlines()[-1])
    assert [s["problem_id"] for s in seeds] == ["toy:0", "toy:1", "toy:2"]
    assert [s["answer"] for s in seeds] == ["0", "2", "4"]
    assert seeds[2]["origin"] == "toy-dataset@train:3"
    assert seeds[0]["license"] == "cc-by-4.0"
