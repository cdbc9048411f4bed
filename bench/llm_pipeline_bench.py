"""The all-LLM pipeline against the local server: how much of its concurrency stays in flight.

Every role is on `llm`, all on one endpoint (so they share its `--concurrency` slots), over the
first `--seeds` GSM8K train problems, with the scripted replies of `tests/servers/openai_script.py`
served at a fixed latency from a process of its own. The server measures requests in flight over
time; the figure is their average against the configured concurrency. A bare aiohttp loop with
the same concurrency runs against the same server first, as the ceiling.

    .venv/bin/python bench/llm_pipeline_bench.py --seeds 500 --concurrency 64 --latency 0.05
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_GSM8K = ROOT.parent / "shared" / "data" / "gsm8k" / "train.jsonl"
sys.path.insert(0, str(ROOT))


def start_server(latency: float, answers: Path) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.servers.openai_server",
            "--latency",
            str(latency),
            "--answers",
            str(answers),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'tests'}"},
    )
    assert process.stdout is not None
    return process, f"http://127.0.0.1:{int(process.stdout.readline())}"


def stats(url: str) -> dict[str, float]:
    with urllib.request.urlopen(f"{url}/stats") as response:
        found: dict[str, float] = json.load(response)
        return found


def pipeline(url: str, gsm8k: Path, seeds: int, concurrency: int, work: Path) -> dict[str, object]:
    from groupbuild.config import Config
    from groupbuild.runner import run

    role = {
        "backend": "llm",
        "model": "bench",
        "base_url": f"{url}/v1",
        "concurrency": concurrency,
        "timeout": 60,
    }
    config = Config.model_validate(
        {
            "name": "bench",
            "seeds": {
                "sources": [{"format": "gsm8k", "path": str(gsm8k), "limit": seeds}],
                "skip_invalid": True,
            },
            "roles": {name: role for name in ("planner", "perturber", "judge", "executor")},
            "runner": {
                "runs_dir": str(work / "runs"),
                "progress": False,
                "concurrency": 4 * concurrency,
            },
            "publish": {"out_dir": str(work / "dist"), "audit": False},
        }
    )
    started = time.perf_counter()
    summary = run(config, base_dir=work)
    return {"seconds": round(time.perf_counter() - started, 1), **summary}


def bare(url: str, n: int, concurrency: int) -> float:
    import aiohttp

    async def go() -> float:
        limit = asyncio.Semaphore(concurrency)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:

            async def one(i: int) -> None:
                body = {"model": "bench", "messages": [{"role": "user", "content": f"q{i}"}]}
                async with limit, session.post(f"{url}/v1/chat/completions", json=body) as r:
                    await r.read()

            started = time.perf_counter()
            await asyncio.gather(*(one(i) for i in range(n)))
            return n / (time.perf_counter() - started)

    return asyncio.run(go())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gsm8k", type=Path, default=DEFAULT_GSM8K)
    parser.add_argument("--seeds", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    if not args.gsm8k.exists():
        sys.exit(f"GSM8K train file not found at {args.gsm8k}; pass --gsm8k PATH")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        answers = {}
        with args.gsm8k.open(encoding="utf-8") as rows:
            for _, line in zip(range(args.seeds), rows, strict=False):
                row = json.loads(line)
                answers[row["question"][:60]] = row["answer"].split("####")[-1].strip()
        (work / "answers.json").write_text(json.dumps(answers))
        process, url = start_server(args.latency, work / "answers.json")
        try:
            bare_rps = bare(url, 20 * args.concurrency, args.concurrency)
            bare_stats = stats(url)
            process.kill()
            process.wait()
            process, url = start_server(args.latency, work / "answers.json")
            summary = pipeline(url, args.gsm8k, args.seeds, args.concurrency, work)
            served = stats(url)
        finally:
            process.kill()
            process.wait()
    result = {
        "seeds": args.seeds,
        "concurrency": args.concurrency,
        "latency_s": args.latency,
        "bare_loop": {
            "rps": round(bare_rps, 1),
            "average_inflight": bare_stats["average_inflight"],
        },
        "pipeline": {
            "seconds": summary["seconds"],
            "requests": served["requests"],
            "rps": round(served["requests"] / float(summary["seconds"]), 1),
            "average_inflight": served["average_inflight"],
            "max_inflight": served["max_inflight"],
            "groups_published": summary["groups_published"],
            "seeds_rejected": summary["seeds_rejected"],
            "seeds_pending": summary["seeds_pending"],
        },
        "inflight_share": round(served["average_inflight"] / args.concurrency, 3),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
