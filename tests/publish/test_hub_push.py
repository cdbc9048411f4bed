"""`push_folder` against a local Hub server, then `datasets.load_dataset` back through it.

The client side runs in a subprocess: `huggingface_hub` and `datasets` read `HF_ENDPOINT`,
`HF_HUB_DISABLE_XET` and `HF_HOME` when first imported, so they must be set before that.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.servers.hub_server import HubServer

TOKEN = "hf_marker_" + secrets.token_hex(12)
REPO = "org/tracelift-groups"

CLIENT = r"""
import json, sys
from pathlib import Path
from groupbuild.errors import GroupbuildError

out = []
for step in json.loads(sys.argv[1]):
    op = step.pop("op")
    if op == "push":
        from groupbuild.publish.hub import push_folder
        try:
            out.append(push_folder(Path(step.pop("folder")), step.pop("repo_id"), **step))
        except GroupbuildError as exc:
            out.append({"error": str(exc)})
    elif op == "load":
        import datasets
        # The Dataset Viewer is another host (datasets-server.<endpoint host>) that a loopback
        # endpoint cannot name; its answer is optional, so skip the probe instead of a DNS lookup.
        datasets.config.USE_PARQUET_EXPORT = False
        ds = datasets.load_dataset(step["repo_id"], step["config"], revision=step.get("revision"))
        out.append({split: ds[split].to_list() for split in ds})
    elif op == "files":
        from huggingface_hub import HfApi
        out.append(sorted(HfApi().list_repo_files(
            step["repo_id"], repo_type="dataset", revision=step.get("revision"))))
print(json.dumps(out))
"""

Rows = list[dict[str, Any]]
Layout = dict[tuple[str, str], list[Rows]]
"""(config, split) → shards, each a list of rows."""


def rows(config: str, split: str, n: int, start: int = 0) -> Rows:
    return [
        {
            "group_id": f"{config}:{split}:{i}",
            "problem": f"problem {i} of {config}",
            "traces": [f"step {j} of {i}" for j in range(i % 3 + 1)],
            "score": i / 4,
        }
        for i in range(start, start + n)
    ]


def full_layout() -> Layout:
    return {
        (config, split): [rows(config, split, 3), rows(config, split, 2, start=3)]
        for config in ("math", "code")
        for split in ("train", "dev")
    }


def write_hub_folder(root: Path, layout: Layout, extras: dict[str, str] | None = None) -> Path:
    """A Hub-ready folder as the publish stage lays it out: card, Parquet shards, exports."""
    configs = sorted({config for config, _ in layout})
    card = ["---", "configs:"]
    for config in configs:
        card += [f"- config_name: {config}", "  data_files:"]
        for (name, split), shards in layout.items():
            if name == config:
                card.append(f"  - {{split: {split}, path: data/{config}/{split}-*}}")
                for i, shard in enumerate(shards):
                    path = root / "data" / config / f"{split}-{i:05d}-of-{len(shards):05d}.parquet"
                    path.parent.mkdir(parents=True, exist_ok=True)
                    pq.write_table(pa.Table.from_pylist(shard), path)
        if config == configs[0]:
            card.append("  default: true")
    card += ["license: cc-by-4.0", "---", "", "# TRACELIFT-GROUPS (test)", ""]
    (root / "README.md").write_text("\n".join(card))
    files = {"summary.json": "{}", "tracelift/groups.jsonl": '{"id": 1}\n', **(extras or {})}
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def local_files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def expected(layout: Layout, config: str) -> dict[str, Rows]:
    return {
        split: [r for shard in shards for r in shard]
        for (c, split), shards in layout.items()
        if c == config
    }


def run_client(
    steps: list[dict[str, Any]],
    endpoint: str,
    home: Path,
    token: str = TOKEN,
    extra_env: dict[str, str] | None = None,
) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE_"))}
    env |= {
        "HF_ENDPOINT": endpoint,
        "HF_HUB_DISABLE_XET": "1",
        "HF_HOME": str(home),
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "HF_DATASETS_DISABLE_PROGRESS_BARS": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    if token:
        env["HF_TOKEN"] = token
    env |= extra_env or {}
    args = [sys.executable, "-c", CLIENT, json.dumps(steps)]
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def hub() -> Iterator[HubServer]:
    with HubServer(TOKEN) as server:
        yield server
    assert not server.unknown, f"the client called routes the local Hub lacks: {server.unknown}"


def test_pushed_folder_loads_back_with_identical_rows_in_every_config_and_split(
    hub: HubServer, tmp_path: Path
) -> None:
    layout = full_layout()
    folder = write_hub_folder(tmp_path / "dist", layout)
    steps = [
        {"op": "push", "folder": str(folder), "repo_id": REPO},
        {"op": "load", "repo_id": REPO, "config": "math"},
        {"op": "load", "repo_id": REPO, "config": "code"},
    ]
    url, math, code = run_client(steps, hub.url, tmp_path / "home")

    repo = hub.repos[REPO]
    assert url.endswith(repo.branches["main"])
    assert len(repo.commits) == 2, "the whole folder must land in one commit"
    assert math == expected(layout, "math")
    assert code == expected(layout, "code")
    assert sorted(hub.files(REPO)) == sorted([".gitattributes", *local_files(folder)])
    assert hub.calls.count("PUT lfs_upload") == 8, "every Parquet shard goes through LFS"


def test_republish_with_fewer_shards_leaves_no_stale_shard(hub: HubServer, tmp_path: Path) -> None:
    first = full_layout()
    second = full_layout()
    second[("math", "train")] = [rows("math", "train", 4, start=10)]
    old = write_hub_folder(tmp_path / "v1", first, {"tracelift/old.jsonl": "{}\n"})
    new = write_hub_folder(tmp_path / "v2", second)
    steps = [
        {"op": "push", "folder": str(old), "repo_id": REPO},
        {"op": "push", "folder": str(new), "repo_id": REPO},
        {"op": "files", "repo_id": REPO},
        {"op": "load", "repo_id": REPO, "config": "math"},
    ]
    first_url, second_url, files, math = run_client(steps, hub.url, tmp_path / "home")

    assert second_url != first_url
    assert second_url.endswith(hub.repos[REPO].branches["main"])
    assert "data/math/train-00001-of-00002.parquet" not in files
    assert "tracelift/old.jsonl" not in files
    assert files == sorted([".gitattributes", *local_files(new)])
    assert math == expected(second, "math")


def test_private_push_to_a_branch_leaves_main_untouched(hub: HubServer, tmp_path: Path) -> None:
    layout = full_layout()
    folder = write_hub_folder(tmp_path / "dist", layout)
    push = {"op": "push", "folder": str(folder), "repo_id": REPO}
    steps = [
        push | {"private": True, "revision": "candidate"},
        {"op": "files", "repo_id": REPO, "revision": "candidate"},
        {"op": "load", "repo_id": REPO, "config": "code", "revision": "candidate"},
    ]
    _, files, code = run_client(steps, hub.url, tmp_path / "home")

    assert hub.repos[REPO].private
    assert sorted(hub.files(REPO, "main")) == [".gitattributes"]
    assert files == sorted([".gitattributes", *local_files(folder)])
    assert code == expected(layout, "code")


def test_private_push_refuses_an_existing_public_repo(hub: HubServer, tmp_path: Path) -> None:
    folder = write_hub_folder(tmp_path / "dist", full_layout())
    push = {"op": "push", "folder": str(folder), "repo_id": REPO}
    _, refused = run_client([push, push | {"private": True}], hub.url, tmp_path / "home")

    assert "already exists and is public" in refused["error"]
    assert len(hub.repos[REPO].commits) == 2


def test_wrong_token_fails_with_a_clear_message(hub: HubServer, tmp_path: Path) -> None:
    folder = write_hub_folder(tmp_path / "dist", full_layout())
    push = {"op": "push", "folder": str(folder), "repo_id": REPO}
    [result] = run_client([push], hub.url, tmp_path / "home", token="hf_not_the_token")

    assert "rejected the token (401 Unauthorized)" in result["error"]
    assert "hf_not_the_token" not in result["error"]
    assert hub.unauthorized > 0
    assert REPO not in hub.repos


def test_missing_token_fails_before_any_request(hub: HubServer, tmp_path: Path) -> None:
    folder = write_hub_folder(tmp_path / "dist", full_layout())
    push = {"op": "push", "folder": str(folder), "repo_id": REPO}
    [result] = run_client([push], hub.url, tmp_path / "home", token="")

    assert "no Hugging Face token" in result["error"]
    assert hub.calls == []


def test_unreachable_endpoint_fails_with_a_clear_message(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        endpoint = f"http://127.0.0.1:{probe.getsockname()[1]}"
    folder = write_hub_folder(tmp_path / "dist", full_layout())
    push = {"op": "push", "folder": str(folder), "repo_id": REPO}
    [result] = run_client([push], endpoint, tmp_path / "home")

    assert result["error"].startswith(f"cannot reach the Hub at {endpoint}")


def test_offline_mode_fails_with_a_clear_message(hub: HubServer, tmp_path: Path) -> None:
    folder = write_hub_folder(tmp_path / "dist", full_layout())
    push = {"op": "push", "folder": str(folder), "repo_id": REPO}
    offline = {"HF_HUB_OFFLINE": "1"}
    [result] = run_client([push], hub.url, tmp_path / "home", extra_env=offline)

    assert result["error"] == "HF_HUB_OFFLINE is set: unset it to push to the Hub"
    assert hub.calls == []


def test_token_is_sent_but_never_written_to_disk(hub: HubServer, tmp_path: Path) -> None:
    folder = write_hub_folder(tmp_path / "dist", full_layout())
    steps = [
        {"op": "push", "folder": str(folder), "repo_id": REPO},
        {"op": "load", "repo_id": REPO, "config": "math"},
    ]
    run_client(steps, hub.url, tmp_path / "home")

    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any("datasets" in p.parts for p in written), "the load must have filled the cache"
    leaks = [p for p in written if TOKEN.encode() in p.read_bytes()]
    assert leaks == []
    assert hub.unauthorized == 0
    assert "POST commit" in hub.calls


def test_an_invalid_card_fails_with_a_clear_message(hub: HubServer, tmp_path: Path) -> None:
    folder = write_hub_folder(tmp_path / "dist", full_layout())
    (folder / "README.md").write_text("---\nconfigs: [unclosed\n---\n# card\n")
    push = {"op": "push", "folder": str(folder), "repo_id": REPO}
    [result] = run_client([push], hub.url, tmp_path / "home")

    assert result["error"].startswith(f"the Hub rejected the dataset card of {REPO}")
    assert "PUT lfs_upload" not in hub.calls, "the card is checked before any upload"


def test_importing_the_module_does_not_import_the_hub_client() -> None:
    clients = "{'huggingface_hub', 'datasets'}"
    code = f"import sys, groupbuild.publish.hub; print(sorted({clients} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr


def test_the_published_dataset_round_trips_through_the_hub_in_every_config(
    hub: HubServer, tmp_path: Path, bundled_build: tuple[Path, dict]
) -> None:
    import datasets

    dist, _ = bundled_build
    configs = ["math", "code", "pairs", "steps"]
    steps = [{"op": "push", "folder": str(dist), "repo_id": REPO}]
    steps += [{"op": "load", "repo_id": REPO, "config": name} for name in configs]
    _, *remote = run_client(steps, hub.url, tmp_path / "home")
    for name, pulled in zip(configs, remote, strict=True):
        local = datasets.load_dataset(str(dist), name)
        expected_rows = {split: json.loads(json.dumps(local[split].to_list())) for split in local}
        assert pulled == expected_rows, name
    assert "README.md" in hub.files(REPO)
