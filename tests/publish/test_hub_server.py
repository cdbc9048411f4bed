"""The local Hub server keeps the promises the push tests rely on, over real HTTP."""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.servers.hub_server import HubServer, git_oid

TOKEN = "hf_server_test_token"
REPO = "org/ds"


def call(
    hub: HubServer, method: str, path: str, body: Any = None, token: str | None = TOKEN
) -> tuple[int, dict[str, str], bytes]:
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    request = urllib.request.Request(hub.url + path, data=data, method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def ndjson(*lines: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(line).encode() + b"\n" for line in lines)


def commit(hub: HubServer, *ops: dict[str, Any], parent: str | None = None) -> int:
    header = {"summary": "change", "description": ""} | ({"parentCommit": parent} if parent else {})
    payload = ndjson({"key": "header", "value": header}, *ops)
    return call(hub, "POST", f"/api/datasets/{REPO}/commit/main", payload)[0]


def add(path: str, content: bytes) -> dict[str, Any]:
    encoded = base64.b64encode(content).decode()
    return {"key": "file", "value": {"path": path, "content": encoded, "encoding": "base64"}}


@pytest.fixture
def hub() -> Iterator[HubServer]:
    with HubServer(TOKEN) as server:
        status, _, _ = call(
            server,
            "POST",
            "/api/repos/create",
            {"name": "ds", "organization": "org", "type": "dataset"},
        )
        assert status == 200
        yield server


def test_requests_without_the_token_get_401(hub: HubServer) -> None:
    assert call(hub, "GET", f"/api/datasets/{REPO}", token=None)[0] == 401
    assert call(hub, "GET", f"/api/datasets/{REPO}", token="hf_wrong")[0] == 401
    assert call(hub, "GET", f"/api/datasets/{REPO}")[0] == 200
    assert hub.unauthorized == 2


def test_a_stale_parent_commit_is_refused_with_412(hub: HubServer) -> None:
    initial = hub.repos[REPO].branches["main"]
    assert commit(hub, add("a.txt", b"a"), parent=initial) == 200
    assert commit(hub, add("b.txt", b"b"), parent=initial) == 412
    assert sorted(hub.files(REPO)) == [".gitattributes", "a.txt"]


def test_deleted_folder_is_gone_from_later_commits_but_not_earlier_ones(hub: HubServer) -> None:
    assert commit(hub, add("data/x/1.txt", b"1"), add("data/y.txt", b"2")) == 200
    before = hub.repos[REPO].branches["main"]
    assert commit(hub, {"key": "deletedFolder", "value": {"path": "data/x"}}) == 200
    assert sorted(hub.files(REPO)) == [".gitattributes", "data/y.txt"]
    assert "data/x/1.txt" in hub.files(REPO, before)


def test_missing_file_answers_entry_not_found(hub: HubServer) -> None:
    status, headers, _ = call(hub, "HEAD", f"/datasets/{REPO}/resolve/main/ds.py")
    assert (status, headers.get("X-Error-Code")) == (404, "EntryNotFound")


def test_resolve_names_the_commit_and_the_content_etag(hub: HubServer) -> None:
    card = b"# card\n"
    assert commit(hub, add("README.md", card)) == 200
    status, headers, body = call(hub, "GET", f"/datasets/{REPO}/resolve/main/README.md")
    assert (status, body) == (200, card)
    assert headers["X-Repo-Commit"] == hub.repos[REPO].branches["main"]
    assert headers["ETag"] == f'"{git_oid(card)}"'


def test_lfs_file_must_be_uploaded_before_it_is_committed(hub: HubServer) -> None:
    sha = hashlib.sha256(b"PAR1").hexdigest()
    lfs = {
        "key": "lfsFile",
        "value": {"path": "d.parquet", "algo": "sha256", "oid": sha, "size": 4},
    }
    assert commit(hub, lfs) == 422
    batch = {"operation": "upload", "objects": [{"oid": sha, "size": 4}]}
    _, _, raw = call(hub, "POST", f"/datasets/{REPO}.git/info/lfs/objects/batch", batch)
    actions = json.loads(raw)["objects"][0]["actions"]
    upload = urllib.request.Request(actions["upload"]["href"], data=b"PAR1", method="PUT")
    urllib.request.urlopen(upload, timeout=10).close()
    verify = actions["verify"]["href"].removeprefix(hub.url)
    assert call(hub, "POST", verify, {"oid": sha, "size": 4})[0] == 200
    assert commit(hub, lfs) == 200
    assert hub.files(REPO)["d.parquet"] == b"PAR1"
