"""A local server speaking the Hugging Face Hub protocol, for end-to-end push and load tests.

`huggingface_hub` and `datasets` talk to it unchanged when `HF_ENDPOINT` points at it (with
`HF_HUB_DISABLE_XET=1`, so `*.parquet` travels by the git-LFS batch protocol). State lives in
memory as repos → commits → file trees over content-addressed objects, so deletions in a later
commit are real and old commits stay readable. Every request must carry the server's token
(`Authorization: Bearer …`) except LFS uploads, which, like the Hub's presigned URLs, carry a
secret in their URL. Routes the server does not know answer 404 and are logged to stderr and
kept in `unknown`, so a client upgrade that calls something new is easy to spot.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import sys
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import yaml
from aiohttp import web
from yarl import URL

from tests.servers.loopback import LoopbackServer

USER = "tester"
GITATTRIBUTES = b"*.parquet filter=lfs diff=lfs merge=lfs -text\n"
LFS_SUFFIXES = (".parquet", ".arrow", ".bin", ".safetensors")
LFS_MIN_SIZE = 10 * 2**20
"""Like the Hub: binary data files, and any file from 10 MiB up, go through LFS."""


def git_oid(content: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def lfs_pointer(sha256: str, size: int) -> bytes:
    spec = "version https://git-lfs.github.com/spec/v1"
    return f"{spec}\noid sha256:{sha256}\nsize {size}\n".encode()


@dataclass(frozen=True)
class Entry:
    """A file in a tree: its object key, size and, when stored by LFS, its sha256."""

    size: int
    oid: str
    """git oid: of the content, or of the LFS pointer when `lfs` is set."""
    lfs: str | None = None

    @property
    def key(self) -> str:
        return self.lfs or self.oid

    def info(self, path: str) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "file", "oid": self.oid, "size": self.size, "path": path}
        if self.lfs:
            pointer = len(lfs_pointer(self.lfs, self.size))
            out["lfs"] = {"oid": self.lfs, "size": self.size, "pointerSize": pointer}
        return out


@dataclass(frozen=True)
class Commit:
    oid: str
    parent: str | None
    message: str
    files: dict[str, Entry]


@dataclass
class Repo:
    repo_id: str
    private: bool
    commits: dict[str, Commit] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)

    def resolve(self, rev: str) -> Commit | None:
        if rev in self.branches:
            return self.commits[self.branches[rev]]
        found = [c for oid, c in self.commits.items() if len(rev) >= 7 and oid.startswith(rev)]
        return found[0] if len(found) == 1 else None


class HubError(Exception):
    """An error reply: status, `X-Error-Code` and message, as the Hub sends them."""

    def __init__(self, status: int, message: str, code: str | None = None, **extra: str) -> None:
        super().__init__(message)
        self.status, self.code, self.extra = status, code, extra


Request, Response = web.Request, web.Response
Params = dict[str, str]
Route = tuple[str, tuple[str, ...], str]
ROUTES: list[Route] = [
    ("POST", ("api", "repos", "create"), "create_repo"),
    ("POST", ("api", "validate-yaml"), "validate_yaml"),
    ("GET", ("api", "agent-harnesses"), "agent_harnesses"),
    ("GET", ("api", "datasets", "{ns}", "{name}"), "repo_info"),
    ("GET", ("api", "datasets", "{ns}", "{name}", "revision", "{rev}"), "repo_info"),
    ("GET", ("api", "datasets", "{ns}", "{name}", "tree", "{rev}", "*"), "tree"),
    ("POST", ("api", "datasets", "{ns}", "{name}", "preupload", "{rev}"), "preupload"),
    ("POST", ("api", "datasets", "{ns}", "{name}", "commit", "{rev}"), "commit"),
    ("POST", ("api", "datasets", "{ns}", "{name}", "branch", "{rev}"), "create_branch"),
    ("POST", ("datasets", "{ns}", "{name}.git", "info", "lfs", "objects", "batch"), "lfs_batch"),
    ("PUT", ("lfs-upload", "{secret}", "{oid}"), "lfs_upload"),
    ("POST", ("lfs-verify", "{oid}"), "lfs_verify"),
    ("GET", ("datasets", "{ns}", "{name}", "resolve", "{rev}", "*"), "resolve"),
    ("HEAD", ("datasets", "{ns}", "{name}", "resolve", "{rev}", "*"), "resolve"),
]


PUBLIC = frozenset({"lfs_upload", "agent_harnesses"})
"""Handlers that take no token: presigned-style uploads and the public user-agent registry."""


def match(method: str, segments: list[str]) -> tuple[str, dict[str, str]] | None:
    """The handler name and path parameters; `*` takes the rest, joined with `/`."""
    for verb, pattern, handler in ROUTES:
        if verb != method:
            continue
        params: dict[str, str] = {}
        for i, token in enumerate(pattern):
            if token == "*":
                params["path"] = "/".join(segments[i:])
                return handler, params
            if i >= len(segments):
                break
            if token.startswith("{"):
                name, _, suffix = token[1:].partition("}")
                if not segments[i].endswith(suffix):
                    break
                params[name] = segments[i][: len(segments[i]) - len(suffix)]
            elif token != segments[i]:
                break
        else:
            if len(segments) == len(pattern):
                return handler, params
    return None


class HubServer(LoopbackServer):
    """The server; use as a context manager or call `start()`/`stop()`."""

    label = "local Hub server"

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self.repos: dict[str, Repo] = {}
        self.objects: dict[str, bytes] = {}
        """Content by key: git oid for regular files, sha256 for LFS objects."""
        self.calls: list[str] = []
        """`METHOD handler` per request, in order: which endpoints the client used."""
        self.unknown: list[str] = []
        self.unauthorized = 0
        self._upload_secret = secrets.token_hex(8)
        self._pending: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def files(self, repo_id: str, rev: str = "main") -> dict[str, bytes]:
        """Path → content of a revision, read straight from the server's state."""
        commit = self.repos[repo_id].resolve(rev)
        assert commit is not None, f"{repo_id}@{rev} does not exist"
        return {path: self.objects[e.key] for path, e in commit.files.items()}

    def build_app(self) -> web.Application:
        app = web.Application(client_max_size=2**31)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        return app

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        raw = URL(request.raw_path).raw_path
        segments = [unquote(s) for s in raw.strip("/").split("/")]
        found = match(request.method, segments)
        if found is None:
            line = f"{request.method} {request.raw_path}"
            self.unknown.append(line)
            print(f"LOCAL HUB: unhandled route {line}", file=sys.stderr, flush=True)
            return _error(HubError(404, f"unhandled route {line}"))
        handler, params = found
        self.calls.append(f"{request.method} {handler}")
        body = await request.read()
        try:
            if handler not in PUBLIC:
                self._authorize(request.headers.get("Authorization", ""))
            with self._lock:
                return getattr(self, "_" + handler)(request, params, body)
        except HubError as exc:
            return _error(exc)

    def _authorize(self, header: str) -> None:
        if header == f"Bearer {self.token}":
            return
        self.unauthorized += 1
        if header:
            raise HubError(401, "Invalid credentials in Authorization header")
        raise HubError(401, "Invalid username or password.")

    def _repo(self, params: dict[str, str]) -> Repo:
        repo = self.repos.get(f"{params['ns']}/{params['name']}")
        if repo is None:
            raise HubError(404, "Repository not found", "RepoNotFound")
        return repo

    def _commit_at(self, repo: Repo, rev: str) -> Commit:
        commit = repo.resolve(rev)
        if commit is None:
            raise HubError(404, f"Invalid rev id: {rev}", "RevisionNotFound")
        return commit

    def _new_commit(self, repo: Repo, branch: str, message: str, files: dict[str, Entry]) -> str:
        parent = repo.branches.get(branch)
        seed = json.dumps([parent, message, len(repo.commits), sorted(files)]).encode()
        oid = hashlib.sha1(seed).hexdigest()
        repo.commits[oid] = Commit(oid, parent, message, files)
        repo.branches[branch] = oid
        return oid

    def _create_repo(self, request: Request, _: Params, body: bytes) -> Response:
        payload = json.loads(body)
        if payload.get("type") != "dataset":
            raise HubError(400, "this server only hosts dataset repos")
        repo_id = f"{payload.get('organization') or USER}/{payload['name']}"
        url = f"{self.url}/datasets/{repo_id}"
        if repo_id in self.repos:
            raise HubError(409, "You already created this dataset repo", url=url)
        private = payload.get("visibility") == "private" or bool(payload.get("private"))
        repo = self.repos[repo_id] = Repo(repo_id, private)
        oid = git_oid(GITATTRIBUTES)
        self.objects[oid] = GITATTRIBUTES
        entry = Entry(len(GITATTRIBUTES), oid)
        self._new_commit(repo, "main", "initial commit", {".gitattributes": entry})
        return web.json_response({"url": url, "name": repo_id, "id": repo_id})

    def _validate_yaml(self, request: Request, _: Params, body: bytes) -> Response:
        content = json.loads(body)["content"]
        found = re.match(r"^---\n(.*?)\n---\n", content, re.S)
        try:
            meta = yaml.safe_load(found.group(1)) if found else {}
        except yaml.YAMLError as exc:
            return web.json_response({"errors": [{"message": str(exc)}]}, status=400)
        if not isinstance(meta, dict):
            return web.json_response({"errors": [{"message": "metadata is not a mapping"}]}, 400)
        bad = [c for c in meta.get("configs") or [] if "config_name" not in c]
        if bad:
            return web.json_response({"errors": [{"message": "configs need a config_name"}]}, 400)
        return web.json_response({"errors": [], "warnings": []})

    def _agent_harnesses(self, request: Request, _: Params, body: bytes) -> Response:
        return web.json_response({"standardEnvVars": [], "harnesses": {}})

    def _repo_info(self, request: Request, params: Params, _: bytes) -> Response:
        repo = self._repo(params)
        commit = self._commit_at(repo, params.get("rev", "main"))
        files = sorted(commit.files.items())
        siblings = [{"rfilename": p, "size": e.size, "blobId": e.oid} for p, e in files]
        info = {
            "id": repo.repo_id,
            "author": repo.repo_id.split("/")[0],
            "sha": commit.oid,
            "private": repo.private,
            "gated": False,
            "disabled": False,
            "downloads": 0,
            "likes": 0,
            "tags": [],
            "siblings": siblings,
            "lastModified": "2026-01-01T00:00:00.000Z",
            "createdAt": "2026-01-01T00:00:00.000Z",
        }
        return web.json_response(info)

    def _listing(self, commit: Commit, base: str, recursive: bool) -> list[dict[str, Any]]:
        prefix = f"{base.strip('/')}/" if base.strip("/") else ""
        under = {p: e for p, e in commit.files.items() if p.startswith(prefix)}
        if prefix and not under:
            if base.strip("/") in commit.files:
                return [commit.files[base.strip("/")].info(base.strip("/"))]
            raise HubError(404, f"{base} does not exist", "EntryNotFound")
        out: dict[str, dict[str, Any]] = {}
        for path, entry in sorted(under.items()):
            parts = path[len(prefix) :].split("/")
            depth = len(parts) if recursive else 1
            for i in range(1, min(depth, len(parts) - 1) + 1):
                folder = prefix + "/".join(parts[:i])
                out.setdefault(folder, _folder(folder))
            if recursive or len(parts) == 1:
                out[path] = entry.info(path)
        return list(out.values())

    def _tree(self, request: Request, params: Params, _: bytes) -> Response:
        commit = self._commit_at(self._repo(params), params["rev"])
        recursive = request.query.get("recursive", "false").lower() == "true"
        return web.json_response(self._listing(commit, params["path"], recursive))

    def _preupload(self, request: Request, params: Params, body: bytes) -> Response:
        repo = self._repo(params)
        commit = repo.resolve(params["rev"])
        existing = commit.files if commit else {}
        out = []
        for item in json.loads(body)["files"]:
            path = item["path"]
            lfs = path.endswith(LFS_SUFFIXES) or item["size"] >= LFS_MIN_SIZE
            entry = existing.get(path)
            oid = (entry.lfs if lfs else entry.oid) if entry else None
            out.append(
                {
                    "path": path,
                    "uploadMode": "lfs" if lfs else "regular",
                    "shouldIgnore": False,
                    "oid": oid,
                }
            )
        return web.json_response({"files": out, "commitOid": commit.oid if commit else None})

    def _commit(self, request: Request, params: Params, body: bytes) -> Response:
        repo = self._repo(params)
        if request.query.get("create_pr"):
            raise HubError(400, "pull requests are not supported by this server")
        branch = params["rev"]
        if branch not in repo.branches:
            raise HubError(404, f"Invalid rev id: {branch}", "RevisionNotFound")
        lines = [json.loads(line) for line in body.splitlines() if line.strip()]
        header = lines[0]["value"]
        head = repo.branches[branch]
        parent = header.get("parentCommit")
        if parent and not head.startswith(parent):
            raise HubError(412, f"parentCommit {parent} is not the head of {branch} ({head})")
        files = dict(repo.commits[head].files)
        for line in lines[1:]:
            self._apply(files, line["key"], line["value"])
        oid = self._new_commit(repo, branch, header["summary"], files)
        url = f"{self.url}/datasets/{repo.repo_id}/commit/{oid}"
        return web.json_response({"commitUrl": url, "commitOid": oid, "pullRequestUrl": None})

    def _apply(self, files: dict[str, Entry], key: str, value: dict[str, Any]) -> None:
        path = value["path"]
        if key == "file":
            content = base64.b64decode(value["content"])
            oid = git_oid(content)
            self.objects[oid] = content
            files[path] = Entry(len(content), oid)
        elif key == "lfsFile":
            sha = value["oid"]
            if sha not in self.objects:
                raise HubError(422, f"LFS object {sha} for {path} was never uploaded")
            size = len(self.objects[sha])
            files[path] = Entry(size, git_oid(lfs_pointer(sha, size)), lfs=sha)
        elif key == "deletedFile":
            if files.pop(path, None) is None:
                raise HubError(404, f"A file with this name doesn't exist: {path}", "EntryNotFound")
        elif key == "deletedFolder":
            doomed = [p for p in files if p.startswith(path.rstrip("/") + "/")]
            if not doomed:
                raise HubError(
                    404, f"A folder with this name doesn't exist: {path}", "EntryNotFound"
                )
            for p in doomed:
                del files[p]
        else:
            raise HubError(400, f"unknown commit operation {key!r}")

    def _create_branch(self, request: Request, params: Params, body: bytes) -> Response:
        repo = self._repo(params)
        if params["rev"] in repo.branches:
            raise HubError(409, f"Reference refs/heads/{params['rev']} already exists")
        start = (json.loads(body) if body else {}).get("startingPoint") or "main"
        repo.branches[params["rev"]] = self._commit_at(repo, start).oid
        return web.json_response({})

    def _lfs_batch(self, request: Request, params: Params, body: bytes) -> Response:
        self._repo(params)
        objects = []
        for obj in json.loads(body)["objects"]:
            oid, size = obj["oid"], obj["size"]
            reply: dict[str, Any] = {"oid": oid, "size": size}
            if oid not in self.objects:
                reply["actions"] = {
                    "upload": {"href": f"{self.url}/lfs-upload/{self._upload_secret}/{oid}"},
                    "verify": {"href": f"{self.url}/lfs-verify/{oid}"},
                }
            objects.append(reply)
        return web.json_response({"transfer": "basic", "objects": objects})

    def _lfs_upload(self, request: Request, params: Params, body: bytes) -> Response:
        if params["secret"] != self._upload_secret:
            raise HubError(403, "bad upload URL")
        if hashlib.sha256(body).hexdigest() != params["oid"]:
            raise HubError(400, "uploaded content does not match its sha256")
        self._pending[params["oid"]] = body
        return web.Response()

    def _lfs_verify(self, request: Request, params: Params, body: bytes) -> Response:
        claim = json.loads(body)
        content = self._pending.pop(params["oid"], None)
        if content is None or len(content) != claim["size"] or claim["oid"] != params["oid"]:
            raise HubError(422, f"LFS object {params['oid']} failed verification")
        self.objects[params["oid"]] = content
        return web.json_response({})

    def _resolve(self, request: Request, params: Params, _: bytes) -> Response:
        commit = self._commit_at(self._repo(params), params["rev"])
        entry = commit.files.get(params["path"])
        if entry is None:
            raise HubError(404, f"{params['path']} does not exist", "EntryNotFound")
        content = self.objects[entry.key]
        headers = {"X-Repo-Commit": commit.oid, "ETag": f'"{entry.oid}"', "Accept-Ranges": "bytes"}
        if entry.lfs:
            headers |= {"X-Linked-Etag": f'"{entry.lfs}"', "X-Linked-Size": str(entry.size)}
        ranged = re.fullmatch(r"bytes=(\d+)-(\d*)", request.headers.get("Range", ""))
        if ranged:
            start = int(ranged.group(1))
            end = min(int(ranged.group(2) or len(content) - 1), len(content) - 1)
            headers["Content-Range"] = f"bytes {start}-{end}/{len(content)}"
            return web.Response(body=content[start : end + 1], status=206, headers=headers)
        return web.Response(body=content, headers=headers)


def _folder(path: str) -> dict[str, Any]:
    return {"type": "directory", "oid": git_oid(path.encode()), "size": 0, "path": path}


def _error(exc: HubError) -> web.Response:
    headers = {"X-Error-Message": str(exc)}
    if exc.code:
        headers["X-Error-Code"] = exc.code
    body = {"error": str(exc), **exc.extra}
    return web.json_response(body, status=exc.status, headers=headers)
