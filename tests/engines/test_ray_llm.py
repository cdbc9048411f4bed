"""LLM roles on the `ray` engine: actor pools against the local server, killed and resumed."""

from __future__ import annotations

from pathlib import Path

import pytest
from ray_helpers import assert_same_folder, kill_ray_when, needs_ray, run_ray

from groupbuild.backends.llm.reply_files import ReplyFiles
from groupbuild.config import SeedsConfig, SeedSource
from groupbuild.runner import run
from groupbuild.schema import Seed
from groupbuild.seeds import load_seeds
from tests.backends.test_llm_pipeline import KEY_VAR, load, small_seeds, write_config
from tests.servers.openai_script import RoleScript

pytest_plugins = ["tests.servers.openai_fixtures"]

needs_ray()

ROLES = ("perturber", "judge", "executor")


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_VAR, "sk-ray-test")


def _ray_args(folder: Path) -> list[str]:
    return [
        "--config", str(folder / "config.yaml"),
        "--set", f"runner.runs_dir={folder / 'runs'}",
        "--set", f"publish.out_dir={folder / 'dist'}",
        "--set", "runner.ray.num_cpus=2",
        "--set", "runner.ray.batch_size=2",
        "--set", "runner.ray.llm_actors=3",
    ]  # fmt: skip


def test_a_killed_ray_run_pays_for_no_reply_twice_and_ends_as_the_local_engine(
    openai_server, tmp_path: Path, key: None
) -> None:
    small_seeds(tmp_path, math=8, code=0)
    sources = SeedsConfig(sources=[SeedSource(format="bundled", path="seeds")])
    seeds = [s for s in load_seeds(sources, base_dir=tmp_path) if isinstance(s, Seed)]
    server = openai_server(RoleScript(seeds=seeds), latency=0.05)  # real edits: groups publish
    local, distributed = tmp_path / "local", tmp_path / "ray"
    for folder in (local, distributed):
        folder.mkdir()
        (folder / "seeds").symlink_to(tmp_path / "seeds")
        write_config(folder, server.base_url, ROLES, timeout=10.0)
    run(load(local / "config.yaml"), base_dir=local)
    sent_local = server.count

    replies = ReplyFiles(distributed / "runs" / "llm" / "cache")
    killed = kill_ray_when(_ray_args(distributed), distributed, lambda: len(replies) >= 15)
    assert killed, "the run finished before it could be killed"
    stored_at_kill, sent_at_kill = len(replies), server.count
    run_ray(_ray_args(distributed), distributed)

    resent = server.count - sent_at_kill
    assert resent == len(replies) - stored_at_kill, "only replies not stored were asked again"
    assert len(replies) == sent_local, "the engines asked for the same replies"
    assert_same_folder(local / "dist", distributed / "dist")
