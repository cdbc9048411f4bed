"""Both engines over generated GSM8K-form seeds: throughput and peak memory per process.

    nice -n 10 .venv/bin/python bench/scale_bench.py --sizes 10000 100000 [--engines local ray]
    nice -n 10 .venv/bin/python bench/scale_bench.py --llm --sizes 2000 --latency 0.05

Each (engine, size) is one `groupbuild run` in a fresh session, as a user runs it, on seeds from
`gsm8k_form_seeds.py` (distinct, templated, answers computed). A sampler reads every process of
that session from /proc every 0.2 s and keeps each one's `VmHWM` (its own peak RSS): the driver,
each worker that runs our stages (the local engine's pool and its fork server, Ray's task and
actor workers) and the services beside them (Ray's raylet, GCS, agents and Ray Data's own
actors; multiprocessing's resource tracker), reported apart; beside it the peak of its private
memory (`RssAnon`: RSS less the pages of files and of shared memory, such as Ray's object
store, which a Ray worker maps and touches and which `VmHWM` counts in every process that
does). Throughput is seeds per second of the pipeline's wall time (the run minus the seeds
and publish steps, which both engines share; Ray's start-up counts against it). The ray engine
runs on a local Ray of `--cpus` CPUs.

`--llm` puts the judge on the local OpenAI-compatible test server (its own process, `--latency`
per request) and compares the engines on that path: the ray engine with `--actors` judge actors.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from gsm8k_form_seeds import write as write_seeds  # noqa: E402

SERVER = """
import sys, threading
from tests.servers.openai_script import RoleScript
from tests.servers.openai_server import OpenAIServer
server = OpenAIServer(RoleScript(), latency=float(sys.argv[1]), keep_log=False).start()
print(server.port, flush=True)
threading.Event().wait()
"""


@dataclass
class Peaks:
    """Per process of one run: its peak RSS in kB and what it is."""

    driver: int
    kb: dict[int, int] = field(default_factory=dict)
    anon_kb: dict[int, int] = field(default_factory=dict)
    kind: dict[int, str] = field(default_factory=dict)

    def sample(self, sid: int) -> None:
        for status in Path("/proc").glob("[0-9]*/status"):
            pid = int(status.parent.name)
            try:
                stat = (status.parent / "stat").read_text()
                if int(stat[stat.rfind(")") + 2 :].split()[3]) != sid:
                    continue
                text = status.read_text()
                hwm, anon = _field(text, "VmHWM"), _field(text, "RssAnon")
                cmd = (status.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except (OSError, ValueError, IndexError):
                continue
            if hwm is None:
                continue
            self.kb[pid] = max(self.kb.get(pid, 0), hwm)
            self.anon_kb[pid] = max(self.anon_kb.get(pid, 0), anon or 0)
            self.kind[pid] = self._kind(pid, cmd, self.kind.get(pid))

    def _kind(self, pid: int, cmd: str, known: str | None) -> str:
        if pid == self.driver:
            return "driver"
        if "multiprocessing.forkserver" in cmd:
            return "worker"  # a local engine pool process (or the fork server they come from)
        if "ray::" in cmd and "Agent" not in cmd and "ray::_" not in cmd:
            return "worker"  # a Ray task or actor worker (IDLE between tasks)
        if known == "worker":
            return known
        return "services"  # raylet, GCS, agents, Ray Data's own actors; the local tracker

    def summary(self) -> dict[str, float]:
        out: dict[str, float] = {"driver_mb": self.kb.get(self.driver, 0) / 1024}
        workers = [kb for pid, kb in self.kb.items() if self.kind[pid] == "worker"]
        system = [kb for pid, kb in self.kb.items() if self.kind[pid] == "services"]
        out["worker_max_mb"] = max(workers, default=0) / 1024
        private = [kb for pid, kb in self.anon_kb.items() if self.kind[pid] == "worker"]
        out["worker_private_mb"] = max(private, default=0) / 1024
        out["driver_private_mb"] = self.anon_kb.get(self.driver, 0) / 1024
        out["workers"] = len(workers)
        out["services_max_mb"] = max(system, default=0) / 1024
        return out


def _field(text: str, name: str) -> int | None:
    for line in text.splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return None


def run_once(
    engine: str, seeds: Path, work: Path, args: argparse.Namespace, extra: list[str]
) -> dict[str, float | str]:
    sets = [
        f"seeds.sources=[{{format: gsm8k, path: {seeds}}}]",
        f"runner.runs_dir={work / 'runs'}",
        f"publish.out_dir={work / 'dist'}",
        f"runner.workers={args.cpus}",
        *extra,
    ]
    command = [sys.executable, "-m", "groupbuild.cli", "run", "--quiet", "--engine", engine]
    for item in sets:
        command += ["--set", item]
    t0 = time.perf_counter()
    env = {**os.environ, "RAY_ADDRESS": ""}
    proc = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, start_new_session=True
    )
    peaks = Peaks(proc.pid)
    stop = threading.Event()

    def sampler() -> None:
        while not stop.is_set():
            peaks.sample(proc.pid)
            stop.wait(0.2)

    thread = threading.Thread(target=sampler, daemon=True)
    thread.start()
    code = proc.wait()
    wall = time.perf_counter() - t0
    stop.set()
    thread.join()
    if code != 0:
        sys.exit(f"{engine} at {seeds.name} failed with exit code {code}")
    summary = json.loads((work / "dist" / "summary.json").read_text())
    timings = json.loads((work / "runs" / "default" / "manifest.json").read_text())[
        "timings_seconds"
    ]
    pipeline = timings["total"] - timings.get("seeds", 0) - timings.get("publish", 0)
    return {
        "engine": engine,
        "seeds": summary["seeds_in"],
        "groups": summary["groups_published"],
        "wall_s": wall,
        "pipeline_s": pipeline,
        "seeds_per_s": summary["seeds_in"] / pipeline,
        "accounted": str(summary["accounted"]),
        **peaks.summary(),
    }


def start_server(latency: float) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(latency)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    port = int(proc.stdout.readline())
    return proc, f"http://127.0.0.1:{port}/v1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--engines", nargs="+", default=["local", "ray"])
    parser.add_argument("--cpus", type=int, default=2, help="local workers / local Ray CPUs")
    parser.add_argument("--batch-size", type=int, help="runner.ray.batch_size (the config's)")
    parser.add_argument("--llm", action="store_true", help="the judge on the local server")
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--actors", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--keep", type=Path, help="keep the runs under this folder")
    parser.add_argument(
        "--set", dest="sets", action="append", default=[], help="a config override, as `run --set`"
    )
    args = parser.parse_args()
    print("command:", " ".join([Path(sys.executable).name, *sys.argv]), flush=True)
    server = None
    extra = [f"runner.ray.batch_size={args.batch_size}"] if args.batch_size else []
    extra += args.sets
    if args.llm:
        server, url = start_server(args.latency)
        os.environ["SCALE_BENCH_KEY"] = "sk-local"
        role = (
            f"{{backend: llm, model: m, base_url: '{url}', api_key_env: SCALE_BENCH_KEY, "
            f"concurrency: {args.concurrency}}}"
        )
        extra += [
            f"roles.judge={role}",
            "validate.require_ordering=false",
            f"runner.concurrency={args.concurrency}",
            f"runner.ray.llm_actors={args.actors}",
        ]
    rows = []
    try:
        with tempfile.TemporaryDirectory(prefix="groupbuild-scale-") as tmp:
            base = args.keep or Path(tmp)
            for size in args.sizes:
                seeds = write_seeds(size, base / f"seeds-{size}.jsonl")
                for engine in args.engines:
                    row = run_once(engine, seeds, base / f"{engine}-{size}", args, extra)
                    rows.append(row)
                    print(json.dumps(row), flush=True)
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait()
    _table(rows, args.sizes)


def _table(rows: list[dict[str, float | str]], sizes: list[int]) -> None:
    head = (
        f"{'engine':<6} {'seeds':>7} {'groups':>7} {'wall s':>7} {'pipe s':>7} {'seeds/s':>8} "
        f"{'driver MB':>9} {'private':>7} {'worker MB':>9} {'private':>7} {'workers':>7} "
        f"{'services MB':>11}"
    )
    print(head)
    for r in rows:
        print(
            f"{r['engine']:<6} {r['seeds']:>7} {r['groups']:>7} {r['wall_s']:>7.1f} "
            f"{r['pipeline_s']:>7.1f} {r['seeds_per_s']:>8.1f} {r['driver_mb']:>9.0f} "
            f"{r['driver_private_mb']:>7.0f} {r['worker_max_mb']:>9.0f} "
            f"{r['worker_private_mb']:>7.0f} {r['workers']:>7} {r['services_max_mb']:>11.0f}"
        )
    by = {(r["engine"], r["seeds"]): r for r in rows}
    for size in sorted({int(r["seeds"]) for r in rows}):
        local, ray = by.get(("local", size)), by.get(("ray", size))
        if local and ray:
            ratio = float(ray["seeds_per_s"]) / float(local["seeds_per_s"])
            print(f"throughput ray/local at {size}: {ratio:.2f}x")
    for engine in ("local", "ray"):
        mine = sorted((int(r["seeds"]), r) for r in rows if r["engine"] == engine)
        if len(mine) >= 2:
            (n0, small), (n1, big) = mine[0], mine[-1]
            for key in ("driver_mb", "driver_private_mb", "worker_max_mb", "worker_private_mb"):
                growth = float(big[key]) / max(float(small[key]), 1.0)
                print(f"{engine} {key} growth {n0} -> {n1}: {growth:.2f}x")


if __name__ == "__main__":
    main()
