"""Attack matrix: every bad input and hostile condition of issue #10 through the real CLI.

    .venv/bin/python bench/attack_matrix_inputs.py [--jobs 2] [--only NAME]

Each case writes a workspace (seed files, a config), runs `groupbuild` in a subprocess and
checks the outcome. A case is *contained* when it ends in one line on stderr that names what is
wrong (file and line, config key, folder, variable) with no traceback, or, under
`seeds.skip_invalid`, in a reject with the expected reason while the run succeeds; where the
right outcome is success (a UTF-8 BOM, colliding source ids), the run must succeed and account
for every seed. Prints one line per case, then `cases tried / contained / failed`; exits 1 if
any case failed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

MATH = (REPO / "seeds" / "math.jsonl").read_text(encoding="utf-8").splitlines()
GOOD = json.dumps({k: v for k, v in json.loads(MATH[0]).items() if k != "id"}).encode()
Done = subprocess.CompletedProcess[str]


def record(**changes: str) -> bytes:
    row = json.loads(GOOD)
    return json.dumps({**row, **changes}).encode()


BAD_LINES: dict[str, tuple[bytes, str, str]] = {
    "deep_nesting": (b"[" * 200_000, "invalid_json", "nested too deep"),
    "lone_surrogate": (
        b'{"question": "A \\ud800 costs 3. What do 4 cost?", "answer": "#### 12"}',
        "invalid_text",
        "field 'question'",
    ),
    "digits_5000": (
        record(answer="It is 1.\n#### " + "9" * 5000),
        "answer_not_numeric",
        "field 'answer'",
    ),
    "annotation_inf": (
        record(answer="It is <<1e999=1>>1.\n#### 1"),
        "annotation_unparsable",
        "<<1e999=1>>",
    ),
    "annotation_overflow": (
        record(answer="It is <<(10**29)**63.5=1>>1.\n#### 1"),
        "annotation_unparsable",
        "field 'answer'",
    ),
    "annotation_deep": (
        record(answer="It is <<" + "-" * 100_000 + "1=-1>>-1.\n#### -1"),
        "annotation_unparsable",
        "field 'answer'",
    ),
    "non_utf8_byte": (
        b'{"question": "Caf\xe9 prices?", "answer": "#### 2"}',
        "invalid_utf8",
        "not UTF-8",
    ),
    "line_50mb": (
        b'{"question": "' + b"x" * 50_000_000 + b'", "answer": "#### 1"}',
        "record_too_large",
        "max_record_bytes",
    ),
    "problem_1m_chars": (
        record(question="How much? " * 99_000),
        "field_too_long:problem",
        "max_problem_chars",
    ),
    "steps_600": (
        record(answer="".join("One more = <<1+1=2>>2.\n" for _ in range(600)) + "#### 2"),
        "too_many_steps",
        "max_steps",
    ),
}
"""name: (line 2 of a GSM8K file, its reject reason, what the one-line error must say)."""


@dataclass
class Case:
    name: str
    run: Callable[[Path], Done]
    check: Callable[[Path, Done], tuple[bool, str]]
    """(contained, what happened)."""


SKIPPED = 99
"""Exit status a case returns when this machine cannot stage it (no tmpfs without root)."""


@dataclass
class Outcome:
    case: str
    status: str
    """`contained`, `FAILED` or `skipped`."""
    note: str
    seconds: float = 0.0


def cli(
    ws: Path,
    *args: str,
    env: dict[str, str] | None = None,
    preexec: Callable[[], None] | None = None,
) -> Done:
    environ = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "groupbuild.cli", *args],
        cwd=ws,
        env=environ,
        capture_output=True,
        text=True,
        timeout=600,
        preexec_fn=preexec,
    )


def write_config(
    ws: Path, sources: str, *, skip: bool = False, extra: str = "", concurrency: int = 64
) -> Path:
    path = ws / "config.yaml"
    path.write_text(
        f"seeds: {{skip_invalid: {str(skip).lower()}, sources: {sources}}}\n"
        f"runner: {{runs_dir: runs, progress: false, workers: 1, concurrency: {concurrency}}}\n"
        "publish: {out_dir: dist, audit: false}\n" + extra,
        encoding="utf-8",
    )
    return path


def gsm8k_file(ws: Path, *lines: bytes, name: str = "train.jsonl") -> str:
    (ws / name).write_bytes(b"".join(line + b"\n" for line in lines))
    return f"[{{format: gsm8k, path: {name}}}]"


def run_config(ws: Path, config: Path, *more: str) -> Done:
    return cli(ws, "run", "--quiet", "--config", str(config), *more)


Check = Callable[[Path, Done], tuple[bool, str]]


def last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1][:140] if lines else ""


def one_line(*needles: str) -> Check:
    """Stopped with one stderr line holding every needle, and no traceback."""

    def check(ws: Path, done: Done) -> tuple[bool, str]:
        lines = done.stderr.splitlines()
        if done.returncode == 0:
            return False, "exited 0"
        if len(lines) != 1 or "Traceback" in done.stderr:
            return False, f"{len(lines)} stderr lines, last: {last_line(done.stderr)}"
        missing = [n for n in needles if n not in lines[0]]
        return not missing, (f"lacks {missing}: " if missing else "") + lines[0][:170]

    return check


def succeeded(ws: Path, done: Done) -> dict[str, Any] | str:
    """The run's summary if it exited 0 with every seed accounted for, else what went wrong."""
    if done.returncode != 0 or "Traceback" in done.stderr:
        return f"exit {done.returncode}: {last_line(done.stderr)}"
    summary: dict[str, Any] = json.loads((ws / "dist" / "summary.json").read_text())
    if not summary["accounted"] or summary["seeds_pending"]:
        return f"not accounted: {summary.get('accounting_problems', summary['seeds_pending'])}"
    return summary


def rejected_as(reason: str) -> Check:
    """The run succeeded, every seed accounted for, the bad record a reject with `reason`."""

    def check(ws: Path, done: Done) -> tuple[bool, str]:
        summary = succeeded(ws, done)
        if isinstance(summary, str):
            return False, summary
        reasons = summary["drop_reasons_by_stage"].get("seeds", {})
        note = f"exit 0, accounted; seed rejects {json.dumps(reasons)}"
        return reason in reasons, note

    return check


def accounted(seeds_in: int, *, seed_rejects: int) -> Check:
    """The run succeeded with `seeds_in` seeds in, `seed_rejects` of them seed rejects."""

    def check(ws: Path, done: Done) -> tuple[bool, str]:
        summary = succeeded(ws, done)
        if isinstance(summary, str):
            return False, summary
        rejects = sum(summary["drop_reasons_by_stage"].get("seeds", {}).values())
        counts = {k: summary[k] for k in ("seeds_in", "groups_published", "seeds_rejected")}
        note = f"exit 0, accounted: {json.dumps(counts)}"
        return summary["seeds_in"] == seeds_in and rejects == seed_rejects, note

    return check


def bad_line_cases() -> list[Case]:
    cases = []
    for name, (line, reason, says) in BAD_LINES.items():

        def strict(ws: Path, line: bytes = line) -> Done:
            return run_config(ws, write_config(ws, gsm8k_file(ws, GOOD, line)))

        def skipping(ws: Path, line: bytes = line) -> Done:
            return run_config(ws, write_config(ws, gsm8k_file(ws, GOOD, line), skip=True))

        cases.append(Case(f"{name}/strict", strict, one_line("train.jsonl:2", says)))
        cases.append(Case(f"{name}/skip_invalid", skipping, rejected_as(reason)))
    return cases


def bom(ws: Path) -> Done:
    (ws / "train.jsonl").write_bytes(b"\xef\xbb\xbf" + GOOD + b"\n")
    return run_config(ws, write_config(ws, "[{format: gsm8k, path: train.jsonl}]"))


def empty_file(ws: Path) -> Done:
    return run_config(ws, write_config(ws, gsm8k_file(ws, name="empty.jsonl")))


def folder_as_file(ws: Path) -> Done:
    (ws / "train.jsonl").mkdir()
    return run_config(ws, write_config(ws, "[{format: gsm8k, path: train.jsonl}]"))


def negative_limit(ws: Path) -> Done:
    gsm8k_file(ws, GOOD)
    return run_config(ws, write_config(ws, "[{format: gsm8k, path: train.jsonl, limit: -1}]"))


def bad_override(ws: Path) -> Done:
    config = write_config(ws, gsm8k_file(ws, GOOD))
    return run_config(ws, config, "--set", "publish.dev_ratio=lots")


def bad_env(ws: Path) -> Done:
    config = write_config(ws, gsm8k_file(ws, GOOD))
    env = {"GROUPBUILD_SEEDS__LIMITS__MAX_STEPS": "-3"}
    return cli(ws, "run", "--quiet", "--config", str(config), env=env)


def colliding_ids(ws: Path) -> Done:
    gsm8k_file(ws, MATH[0].encode(), MATH[1].encode(), name="a.jsonl")
    gsm8k_file(ws, MATH[2].encode(), b"{not json", name="b.jsonl")
    sources = "[{format: gsm8k, path: a.jsonl}, {format: gsm8k, path: b.jsonl}]"
    return run_config(ws, write_config(ws, sources, skip=True))


def file_size_limit(ws: Path) -> Done:
    lines = [line.encode() for line in MATH[:12]]
    config = write_config(ws, gsm8k_file(ws, *lines))

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (40_000, 40_000))

    return cli(ws, "run", "--quiet", "--config", str(config), preexec=limit)


def full_disk(ws: Path) -> Done:
    mount = ws / "small"
    mount.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        return subprocess.CompletedProcess(
            [], SKIPPED, "", f"cannot mount a tmpfs: {mounted.stderr}"
        )
    try:
        lines = [line.encode() for line in MATH[:12]]
        config = write_config(ws, gsm8k_file(ws, *lines))
        return run_config(ws, config, "--set", f"runner.runs_dir={mount / 'runs'}")
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def llm_config(ws: Path, url: str, seeds: int, concurrency: int) -> Path:
    judge = f"{{backend: llm, model: m, base_url: '{url}', api_key_env: MATRIX_KEY, timeout: 5}}"
    lines = [line.encode() for line in MATH[:seeds]]
    extra = f"roles: {{judge: {judge}}}\nuplift: {{runs: 1}}\n"
    return write_config(ws, gsm8k_file(ws, *lines), extra=extra, concurrency=concurrency)


def second_run(ws: Path) -> Done:
    from tests.servers.openai_script import RoleScript
    from tests.servers.openai_server import OpenAIServer

    with OpenAIServer(RoleScript(), latency=0.15) as server:
        config = llm_config(ws, server.base_url, seeds=3, concurrency=1)
        command = [sys.executable, "-m", "groupbuild.cli", "run", "--quiet", "--config"]
        command.append(str(config))
        env = {**os.environ, "PYTHONPATH": str(REPO), "MATRIX_KEY": "sk-matrix"}
        first = subprocess.Popen(command, cwd=ws, env=env, stdout=subprocess.DEVNULL)
        lock = ws / "runs" / "default" / "run.lock"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and first.poll() is None:
            if lock.exists() and lock.read_text().strip() == str(first.pid):
                break
            time.sleep(0.01)
        done = cli(ws, "run", "--quiet", "--config", str(config), env={"MATRIX_KEY": "sk-matrix"})
        first.wait(timeout=300)
    return done


def wrong_key(ws: Path) -> Done:
    from tests.servers.openai_script import RoleScript
    from tests.servers.openai_server import Faults, OpenAIServer

    with OpenAIServer(RoleScript(), faults=Faults(rates={"401": 1.0})) as server:
        config = llm_config(ws, server.base_url, seeds=12, concurrency=8)
        return cli(ws, "run", "--quiet", "--config", str(config), env={"MATRIX_KEY": "sk-wrong"})


CASES = [
    *bad_line_cases(),
    Case("utf8_bom", bom, accounted(1, seed_rejects=0)),
    Case("empty_seeds_file", empty_file, one_line("empty.jsonl", "no seeds in")),
    Case("folder_as_file", folder_as_file, one_line("train.jsonl", "is a directory")),
    Case("limit_minus_one", negative_limit, one_line("config.yaml", "seeds.sources[0].limit")),
    Case("bad_set_value", bad_override, one_line("override 'publish.dev_ratio=lots'")),
    Case("bad_env_value", bad_env, one_line("env GROUPBUILD_SEEDS__LIMITS__MAX_STEPS")),
    Case("reject_id_collision", colliding_ids, accounted(4, seed_rejects=2)),
    Case("second_run_same_folder", second_run, one_line("runs/default", "in use", "pid ")),
    Case("wrong_api_key", wrong_key, one_line("roles.judge", "invalid api key")),
    Case("file_size_limit", file_size_limit, one_line("file too large writing", "validate")),
    Case("full_disk", full_disk, one_line("no space left on device writing", "small/runs")),
]


def attempt(case: Case) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="attack-") as tmp:
        ws = Path(tmp)
        t0 = time.perf_counter()
        done = case.run(ws)
        if done.returncode == SKIPPED:
            return Outcome(case.name, "skipped", done.stderr.strip())
        try:
            contained, note = case.check(ws, done)
        except (OSError, ValueError, KeyError) as exc:
            contained, note = False, f"no usable outcome ({type(exc).__name__}: {exc})"
        seconds = time.perf_counter() - t0
        return Outcome(case.name, "contained" if contained else "FAILED", note, seconds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", help="run the cases whose name contains this")
    args = parser.parse_args()
    print("command:", " ".join([Path(sys.executable).name, *sys.argv]))
    cases = [c for c in CASES if not args.only or args.only in c.name]
    with ThreadPoolExecutor(args.jobs) as pool:
        outcomes = list(pool.map(attempt, cases))
    for o in outcomes:
        print(f"{o.status:>9}  {o.case:<34} {o.seconds:5.1f}s  {o.note}")
    tried = [o for o in outcomes if o.status != "skipped"]
    contained = sum(o.status == "contained" for o in tried)
    skipped = len(outcomes) - len(tried)
    print(
        f"cases tried {len(tried)} / contained {contained} / failed {len(tried) - contained}"
        + (f" ({skipped} skipped)" if skipped else "")
    )
    return 1 if contained < len(tried) else 0


if __name__ == "__main__":
    sys.exit(main())
