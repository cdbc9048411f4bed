"""Check: the ray engine publishes the local engine's folder byte for byte on real seeds.

    nice -n 10 .venv/bin/python bench/engine_equality.py [--gsm8k 2000] [--mbpp 200] [DATA_DIR]

Runs `groupbuild run` once per engine (local Ray of 2 CPUs for `ray`) on the first `--gsm8k`
GSM8K train and `--mbpp` MBPP problems from DATA_DIR (default ../shared/data), then compares
every file of the two published folders. Exits 1 and names the files that differ, if any.
The bundled seeds have the same check as a test (tests/engines/test_ray_engine.py).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def build(engine: str, sources: str, work: Path) -> float:
    command = [
        sys.executable, "-m", "groupbuild.cli", "run", "--quiet", "--engine", engine,
        "--set", f"seeds.sources={sources}", "--set", "seeds.skip_invalid=true",
        "--set", f"runner.runs_dir={work / 'runs'}", "--set", f"publish.out_dir={work / 'dist'}",
        "--set", "runner.workers=2",
    ]  # fmt: skip
    t0 = time.perf_counter()
    env = {**os.environ, "RAY_ADDRESS": ""}
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - t0


def differences(a: Path, b: Path) -> list[str]:
    files_a = {p.relative_to(a) for p in a.rglob("*") if p.is_file()}
    files_b = {p.relative_to(b) for p in b.rglob("*") if p.is_file()}
    out = [f"only in one: {p}" for p in sorted(files_a ^ files_b)]
    for rel in sorted(files_a & files_b):
        if (a / rel).read_bytes() != (b / rel).read_bytes():
            out.append(f"differs: {rel}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--gsm8k", type=int, default=2000)
    parser.add_argument("--mbpp", type=int, default=200)
    args = parser.parse_args()
    gsm8k, mbpp = args.data / "gsm8k" / "train.jsonl", args.data / "mbpp" / "mbpp.jsonl"
    for path in (gsm8k, mbpp):
        if not path.exists():
            sys.exit(f"seed file not found: {path}; pass DATA_DIR")
    sources = (
        f"[{{format: gsm8k, path: {gsm8k}, limit: {args.gsm8k}}}, "
        f"{{format: mbpp, path: {mbpp}, limit: {args.mbpp}}}]"
    )
    print("command:", " ".join([Path(sys.executable).name, *sys.argv]), flush=True)
    with tempfile.TemporaryDirectory(prefix="groupbuild-equality-") as tmp:
        walls = {engine: build(engine, sources, Path(tmp) / engine) for engine in ("local", "ray")}
        found = differences(Path(tmp) / "local" / "dist", Path(tmp) / "ray" / "dist")
        files = sum(1 for p in (Path(tmp) / "local" / "dist").rglob("*") if p.is_file())
    print(f"wall: local {walls['local']:.1f} s, ray {walls['ray']:.1f} s; {files} files compared")
    if found:
        print("\n".join(found))
        sys.exit(1)
    print("the published folders are byte-identical")


if __name__ == "__main__":
    main()
