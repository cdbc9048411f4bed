"""The OpenAI Batch API on the local test server: `/v1/files` and `/v1/batches`.

An uploaded JSONL file becomes a batch that stays `in_progress` until `release()` lets it run
(or at once when `hold` is off); each line is answered like a chat request, faults included,
and the results and errors are served as output and error files, as the real API does.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from tests.servers.openai_server import OpenAIServer

ROLE_HEADER = "X-Groupbuild-Role"


class BatchAPI:
    def __init__(self, server: OpenAIServer) -> None:
        self.server = server
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.hold = False
        """True: new batches wait in `in_progress` until `release()`."""
        self.created = 0
        self.retrievals = 0
        self._released = threading.Event()
        self._tasks: set[asyncio.Task[None]] = set()

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/files", self._upload)
        app.router.add_get("/v1/files/{file_id}/content", self._content)
        app.router.add_post("/v1/batches", self._create)
        app.router.add_get("/v1/batches/{batch_id}", self._retrieve)

    def release(self) -> None:
        self._released.set()

    async def _upload(self, request: web.Request) -> web.Response:
        form = await request.post()
        upload: Any = form["file"]
        data = upload.file.read()
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = data
        return web.json_response(
            {
                "id": file_id,
                "object": "file",
                "bytes": len(data),
                "created_at": int(time.time()),
                "filename": upload.filename,
                "purpose": str(form.get("purpose", "batch")),
                "status": "processed",
            }
        )

    async def _content(self, request: web.Request) -> web.Response:
        data = self.files.get(request.match_info["file_id"])
        if data is None:
            return web.json_response({"error": {"message": "no such file"}}, status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("input_file_id") not in self.files:
            return web.json_response({"error": {"message": "no such input file"}}, status=400)
        self.created += 1
        batch_id = f"batch-{self.created}"
        batch = {
            "id": batch_id,
            "object": "batch",
            "endpoint": body["endpoint"],
            "input_file_id": body["input_file_id"],
            "completion_window": body["completion_window"],
            "status": "in_progress",
            "created_at": int(time.time()),
            "metadata": body.get("metadata"),
        }
        self.batches[batch_id] = batch
        role = request.headers.get(ROLE_HEADER, "unknown")
        task = asyncio.ensure_future(self._run(batch, role))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return web.json_response(batch)

    async def _retrieve(self, request: web.Request) -> web.Response:
        self.retrievals += 1
        batch = self.batches.get(request.match_info["batch_id"])
        if batch is None:
            return web.json_response({"error": {"message": "no such batch"}}, status=404)
        return web.json_response(batch)

    async def _run(self, batch: dict[str, Any], role: str) -> None:
        if self.hold:
            while not self._released.is_set():
                await asyncio.sleep(0.02)
        outputs, errors = [], []
        for raw in self.files[batch["input_file_id"]].decode().splitlines():
            line = json.loads(raw)
            fault = self.server.draw_fault()
            self.server.log_request(role, fault, line["body"], {}, batch=batch["id"])
            status, payload, _ = await self.server.answer(line["body"], role, fault)
            result = {
                "id": f"req-{line['custom_id'][-8:]}",
                "custom_id": line["custom_id"],
                "response": {"status_code": status, "body": payload},
                "error": None,
            }
            (outputs if status == 200 else errors).append(json.dumps(result))
        for name, lines in (("output_file_id", outputs), ("error_file_id", errors)):
            if lines:
                file_id = f"file-{len(self.files) + 1}"
                self.files[file_id] = ("\n".join(lines) + "\n").encode()
                batch[name] = file_id
        batch["status"] = "completed"
        batch["request_counts"] = {
            "total": len(outputs) + len(errors),
            "completed": len(outputs),
            "failed": len(errors),
        }
