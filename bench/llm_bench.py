"""Throughput of the LLM client against the local OpenAI-compatible server.

The server runs in a process of its own with a fixed latency. In the same run, a bare aiohttp
loop (the machine's ceiling for this server, latency and concurrency) and the groupbuild client
(structured parsing, cache writes, limits and retries all on) each send the same number of
distinct requests; rounds alternate so drift on a shared machine hits both alike. CPU time per
request (client process only) is reported too: it does not depend on what else the machine runs.

    .venv/bin/python bench/llm_bench.py --requests 2000 --concurrency 64 --latency 0.05
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SYSTEM = "You rewrite one step of a reasoning trace. " * 20


def messages(i: int) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"Problem {i}: rewrite one step.\n1. a\n2. b"},
    ]


async def bare_loop(url: str, n: int, concurrency: int, offset: int) -> tuple[float, float]:
    import aiohttp

    limit = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(i: int) -> None:
            body = {"model": "bench", "messages": messages(offset + i)}
            async with limit, session.post(f"{url}/chat/completions", json=body) as response:
                json.loads((await response.json())["choices"][0]["message"]["content"])

        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(one(i) for i in range(n)))
        return n / (time.perf_counter() - started), (time.process_time() - cpu) / n


async def client_loop(
    url: str, n: int, concurrency: int, offset: int, cache_dir: Path
) -> tuple[float, float]:
    from groupbuild.backends.llm.cache import ResponseCache
    from groupbuild.backends.llm.client import LLMClient
    from groupbuild.backends.llm.replies import PerturbReply
    from groupbuild.config import RoleConfig

    config = RoleConfig(
        backend="llm",
        model="bench",
        concurrency=concurrency,
        timeout=30,
        response_format="json_schema",
    )
    cache = ResponseCache(cache_dir)
    client = LLMClient("perturber", config, cache, env={"OPENAI_BASE_URL": url})
    try:
        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(
            *(client.structured(messages(offset + i), PerturbReply) for i in range(n))
        )
        rate = n / (time.perf_counter() - started), (time.process_time() - cpu) / n
    finally:
        await client.aclose()
        cache.close()
    if client.usage.requests != n or len(cache) != n:
        raise RuntimeError(f"expected {n} sent and cached, got {client.usage.report()}")
    return rate


def start_server(latency: float) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.servers.openai_server", "--latency", str(latency)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'tests'}"},
    )
    assert process.stdout is not None
    port = int(process.stdout.readline())
    return process, f"http://127.0.0.1:{port}/v1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    process, url = start_server(args.latency)
    bare: list[tuple[float, float]] = []
    ours: list[tuple[float, float]] = []
    try:
        asyncio.run(bare_loop(url, 200, args.concurrency, -1_000_000))
        for r in range(args.rounds):
            offset = r * args.requests
            bare.append(asyncio.run(bare_loop(url, args.requests, args.concurrency, offset)))
            with tempfile.TemporaryDirectory() as tmp:
                ours.append(
                    asyncio.run(
                        client_loop(url, args.requests, args.concurrency, offset, Path(tmp))
                    )
                )
    finally:
        process.kill()
        process.wait()
    bare_rps, ours_rps = [r for r, _ in bare], [r for r, _ in ours]
    result = {
        "requests_per_round": args.requests,
        "concurrency": args.concurrency,
        "latency_s": args.latency,
        "bare_aiohttp_rps": [round(x, 1) for x in bare_rps],
        "groupbuild_client_rps": [round(x, 1) for x in ours_rps],
        "ratio_best": round(max(ours_rps) / max(bare_rps), 3),
        "ratio_mean": round(sum(ours_rps) / sum(bare_rps), 3),
        "client_cpu_us_per_request": [round(c * 1e6) for _, c in ours],
        "bare_cpu_us_per_request": [round(c * 1e6) for _, c in bare],
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
