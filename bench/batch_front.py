"""A loopback implementation of the OpenAI Files + Batches API protocol (stdlib only).

No OpenAI-compatible server that installs from PyPI and runs here on a CPU serves
``/v1/files`` and ``/v1/batches`` (llama.cpp's and llama-cpp-python's servers do not;
vLLM has an offline ``run-batch`` and, as an open pull request, an online Batch API,
but needs its GPU build; the gateways that add one are Django or Laravel
deployments), so this front speaks that protocol itself, as OpenAI's API
reference and the openai SDK's types document it, and runs every batch line against a
*real* OpenAI-compatible upstream (the embedded llama.cpp server): the answers in a
batch's output file are the upstream model's, byte for byte.  It is our stand-in for
the provider's batch machinery, not a model, and not OpenAI.

Protocol, as implemented:

* ``POST /v1/files`` (multipart: ``purpose``, ``file``) returns a file object
  (``id``, ``object: "file"``, ``bytes``, ``created_at``, ``filename``, ``purpose``,
  ``status``); ``GET /v1/files``, ``GET /v1/files/{id}``, ``GET /v1/files/{id}/content``,
  ``DELETE /v1/files/{id}``.
* ``POST /v1/batches`` (``input_file_id`` of a ``purpose=batch`` file, ``endpoint``
  ``/v1/chat/completions``, ``completion_window`` ``24h``, optional ``metadata``)
  returns a batch object in ``validating``; a worker checks every input line
  (``custom_id`` unique, ``method`` POST, ``url`` the batch's endpoint, ``body`` an
  object) and either fails the batch with ``errors`` or moves it to ``in_progress``,
  runs the lines one by one (``--workers`` at a time) against the upstream, then
  ``finalizing`` (writes the files) and ``completed`` with ``output_file_id``,
  ``error_file_id`` (None when nothing failed), ``request_counts`` and ``usage``.
  ``GET /v1/batches``, ``GET /v1/batches/{id}``, ``POST /v1/batches/{id}/cancel``
  (``cancelling`` then ``cancelled``; unrun lines go to the error file with code
  ``batch_cancelled``).  ``--expire-after S`` ends a batch as ``expired`` after S
  seconds (unrun lines: ``batch_expired``), for the 24-hour window in miniature.
* Output and error file lines are ``{"id", "custom_id", "response": {"status_code",
  "request_id", "body"}, "error"}``: a 200 answer goes to the output file, a non-200
  answer to the error file with its status and body, a line that never ran to the
  error file with ``response: null`` and ``error: {"code", "message"}``.
* ``POST /v1/chat/completions`` and ``GET /v1/models`` are passed to the upstream, so
  a client's live calls work against the same base URL, as with OpenAI.

Requests need an ``Authorization: Bearer ...`` header (any value; it is never stored,
logged or forwarded).  Run it on its own::

    python bench/batch_front.py --upstream http://127.0.0.1:8080/v1

prints its base URL on the first line of stdout and serves until stdin closes.
"""

from __future__ import annotations

import argparse
import contextlib
import email.parser
import email.policy
import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from fault_server import LoopbackHTTP  # bench scripts import their siblings by name

__all__ = ["BatchFront", "spawn"]

ENDPOINTS = frozenset({"/v1/chat/completions"})
PURPOSES = frozenset({"assistants", "batch", "fine-tune", "vision", "user_data", "evals"})
WINDOW_S = 24 * 3600
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _copy(obj: dict[str, Any]) -> dict[str, Any]:
    """A deep copy to send, taken under the lock while a worker updates the batch."""
    copied: dict[str, Any] = json.loads(json.dumps(obj))
    return copied


def _id(prefix: str) -> str:
    """OpenAI's id shapes: ``file-…``, ``batch_…``, ``batch_req_…``, ``req_…``."""
    sep = "-" if prefix == "file" else "_"
    return f"{prefix}{sep}{uuid.uuid4().hex[:24]}"


@dataclass
class _File:
    id: str
    filename: str
    purpose: str
    data: bytes
    created_at: int

    def obj(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "file",
            "bytes": len(self.data),
            "created_at": self.created_at,
            "filename": self.filename,
            "purpose": self.purpose,
            "status": "processed",
            "expires_at": None,
            "status_details": None,
        }


@dataclass
class _Batch:
    obj: dict[str, Any]
    cancel: threading.Event = field(default_factory=threading.Event)


class _ApiError(Exception):
    def __init__(
        self, status: int, message: str, param: str | None = None, code: str | None = None
    ):
        super().__init__(message)
        self.status = status
        self.body = {
            "error": {
                "message": message,
                "type": "invalid_request_error",
                "param": param,
                "code": code,
            }
        }


class BatchFront(LoopbackHTTP):
    """The server, in this process, on a free loopback port."""

    def __init__(
        self,
        upstream: str,
        *,
        workers: int = 1,
        expire_after: float | None = None,
        upstream_timeout: float = 3600.0,
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.workers = max(1, workers)
        self.expire_after = expire_after
        self.upstream_timeout = upstream_timeout
        self._lock = threading.Lock()
        self._files: dict[str, _File] = {}
        self._batches: dict[str, _Batch] = {}
        self._threads: list[threading.Thread] = []
        super().__init__()

    # ------------------------------------------------------------------ lifecycle
    thread_name = "batch-front"
    poll_interval = 0.05

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _handler(self)

    # ------------------------------------------------------------------ files
    def add_file(self, filename: str, purpose: str, data: bytes) -> _File:
        f = _File(_id("file"), filename, purpose, data, int(time.time()))
        with self._lock:
            self._files[f.id] = f
        return f

    def file(self, file_id: str) -> _File:
        with self._lock:
            f = self._files.get(file_id)
        if f is None:
            raise _ApiError(404, f"No such File object: {file_id}", "id")
        return f

    def upload(self, content_type: str, raw: bytes) -> dict[str, Any]:
        if not content_type.startswith("multipart/form-data"):
            raise _ApiError(400, "files must be uploaded as multipart/form-data")
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + raw
        )
        purpose: str | None = None
        upload: tuple[str, bytes] | None = None
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if not isinstance(payload, bytes):
                continue
            if name == "purpose":
                purpose = payload.decode("utf-8").strip()
            elif name == "file":
                upload = (part.get_filename() or "upload", payload)
        if purpose is None:
            raise _ApiError(400, "Missing required parameter: 'purpose'.", "purpose")
        if purpose not in PURPOSES:
            raise _ApiError(400, f"Invalid value for 'purpose': {purpose!r}.", "purpose")
        if upload is None:
            raise _ApiError(400, "Missing required parameter: 'file'.", "file")
        if purpose == "batch" and not upload[0].endswith(".jsonl"):
            raise _ApiError(400, "A batch input file must be a .jsonl file.", "file")
        return self.add_file(upload[0], purpose, upload[1]).obj()

    def list_files(self) -> dict[str, Any]:
        with self._lock:
            data = [f.obj() for f in self._files.values()]
        return {"object": "list", "data": data, "has_more": False}

    def delete_file(self, file_id: str) -> dict[str, Any]:
        self.file(file_id)
        with self._lock:
            del self._files[file_id]
        return {"id": file_id, "object": "file", "deleted": True}

    # ------------------------------------------------------------------ batches
    def create_batch(self, req: dict[str, Any]) -> dict[str, Any]:
        for name in ("input_file_id", "endpoint", "completion_window"):
            if not isinstance(req.get(name), str):
                raise _ApiError(400, f"Missing required parameter: '{name}'.", name)
        if req["endpoint"] not in ENDPOINTS:
            raise _ApiError(400, f"Invalid value for 'endpoint': {req['endpoint']!r}.", "endpoint")
        if req["completion_window"] != "24h":
            raise _ApiError(400, "Invalid value for 'completion_window'.", "completion_window")
        metadata = req.get("metadata")
        if metadata is not None and (
            not isinstance(metadata, dict)
            or len(metadata) > 16
            or not all(isinstance(v, str) and len(v) <= 512 for v in metadata.values())
        ):
            raise _ApiError(400, "Invalid 'metadata'.", "metadata")
        source = self.file(req["input_file_id"])
        if source.purpose != "batch":
            raise _ApiError(400, "The input file must have purpose 'batch'.", "input_file_id")
        now = int(time.time())
        obj: dict[str, Any] = {
            "id": _id("batch"),
            "object": "batch",
            "endpoint": req["endpoint"],
            "model": None,
            "errors": None,
            "input_file_id": source.id,
            "completion_window": "24h",
            "status": "validating",
            "output_file_id": None,
            "error_file_id": None,
            "created_at": now,
            "in_progress_at": None,
            "expires_at": now + WINDOW_S,
            "finalizing_at": None,
            "completed_at": None,
            "failed_at": None,
            "expired_at": None,
            "cancelling_at": None,
            "cancelled_at": None,
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
            "usage": None,
            "metadata": metadata,
        }
        batch = _Batch(obj)
        with self._lock:
            self._batches[obj["id"]] = batch
            snapshot = _copy(obj)
        t = threading.Thread(target=self._run, args=(batch, source), daemon=True)
        self._threads.append(t)
        t.start()
        return snapshot

    def batch(self, batch_id: str) -> dict[str, Any]:
        with self._lock:
            b = self._batches.get(batch_id)
            if b is None:
                raise _ApiError(404, f"No such Batch object: {batch_id}", "batch_id")
            return _copy(b.obj)

    def list_batches(self) -> dict[str, Any]:
        with self._lock:
            data = [_copy(b.obj) for b in reversed(self._batches.values())]
        return {
            "object": "list",
            "data": data,
            "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None,
            "has_more": False,
        }

    def cancel_batch(self, batch_id: str) -> dict[str, Any]:
        with self._lock:
            b = self._batches.get(batch_id)
            if b is None:
                raise _ApiError(404, f"No such Batch object: {batch_id}", "batch_id")
            if b.obj["status"] not in ("validating", "in_progress", "finalizing"):
                raise _ApiError(409, f"Cannot cancel a batch with status {b.obj['status']!r}.")
            b.obj["status"] = "cancelling"
            b.obj["cancelling_at"] = int(time.time())
            b.cancel.set()
        return self.batch(batch_id)

    def _set(self, batch: _Batch, **fields: Any) -> None:
        with self._lock:
            batch.obj.update(fields)

    @staticmethod
    def _validate(data: bytes, endpoint: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        lines: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        seen: set[str] = set()
        for n, raw in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
            if not raw.strip():
                continue

            def bad(code: str, message: str, param: str | None = None, line: int = n) -> None:
                errors.append({"code": code, "message": message, "param": param, "line": line})

            try:
                line = json.loads(raw)
            except ValueError:
                bad("invalid_json_line", "This line is not parseable as valid JSON.")
                continue
            if not isinstance(line, dict):
                bad("invalid_json_line", "Each line must be a JSON object.")
                continue
            cid = line.get("custom_id")
            if not isinstance(cid, str) or not cid:
                bad("missing_required_parameter", "Missing 'custom_id'.", "custom_id")
            elif cid in seen:
                bad(
                    "duplicate_custom_id",
                    "The custom_id for this request is a duplicate.",
                    "custom_id",
                )
            else:
                seen.add(cid)
            if line.get("method") != "POST":
                bad("invalid_method", "Only POST is supported.", "method")
            if line.get("url") != endpoint:
                bad(
                    "mismatched_endpoint",
                    f"The url must match the batch's endpoint {endpoint}.",
                    "url",
                )
            if not isinstance(line.get("body"), dict):
                bad("invalid_body", "The body must be a JSON object.", "body")
            lines.append(line)
        if not lines and not errors:
            errors.append(
                {
                    "code": "empty_file",
                    "message": "The input file is empty.",
                    "param": None,
                    "line": None,
                }
            )
        return lines, errors

    def _call_upstream(self, line: dict[str, Any]) -> dict[str, Any]:
        """One request against the upstream, as an output/error file line."""
        body = json.dumps(line["body"]).encode("utf-8")
        req = urllib.request.Request(
            self.upstream + line["url"].removeprefix("/v1"),
            data=body,
            headers={"content-type": "application/json", "authorization": "Bearer batch-front"},
            method="POST",
        )
        out: dict[str, Any] = {"id": _id("batch_req"), "custom_id": line["custom_id"]}
        try:
            with _NO_PROXY.open(req, timeout=self.upstream_timeout) as resp:
                status, raw = int(resp.status), resp.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        except (urllib.error.URLError, OSError) as exc:
            out["response"] = None
            out["error"] = {
                "code": "server_error",
                "message": f"upstream failed: {type(exc).__name__}",
            }
            return out
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = {
                "error": {"message": raw.decode("utf-8", "replace")[:500], "type": "server_error"}
            }
        out["response"] = {"status_code": status, "request_id": _id("req"), "body": parsed}
        out["error"] = None
        return out

    def _run(self, batch: _Batch, source: _File) -> None:
        endpoint = batch.obj["endpoint"]
        lines, errors = self._validate(source.data, endpoint)
        now = int(time.time())
        if errors:
            self._set(
                batch,
                status="failed",
                failed_at=now,
                errors={"object": "list", "data": errors},
            )
            return
        model = next((ln["body"].get("model") for ln in lines if ln["body"].get("model")), None)
        self._set(
            batch,
            status="in_progress",
            in_progress_at=now,
            model=model,
            request_counts={"total": len(lines), "completed": 0, "failed": 0},
        )
        started = time.monotonic()
        results: dict[int, dict[str, Any]] = {}
        usage = {"input_tokens": 0, "output_tokens": 0}
        ended: str | None = None  # "cancelled" or "expired" when lines were left unrun

        def over() -> str | None:
            if batch.cancel.is_set() or self._stopping.is_set():
                return "cancelled"
            if self.expire_after is not None and time.monotonic() - started > self.expire_after:
                return "expired"
            return None

        def run_one(i: int) -> None:
            if over() is not None:
                return
            out = self._call_upstream(lines[i])
            response = out.get("response") or {}
            ok = response.get("status_code") == 200
            with self._lock:
                results[i] = out
                counts = batch.obj["request_counts"]
                counts["completed" if ok else "failed"] += 1
                u = (response.get("body") or {}).get("usage") if ok else None
                if isinstance(u, dict):
                    usage["input_tokens"] += int(u.get("prompt_tokens") or 0)
                    usage["output_tokens"] += int(u.get("completion_tokens") or 0)

        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            list(pool.map(run_one, range(len(lines))))
        ended = over() if len(results) < len(lines) else None
        self._set(
            batch,
            status="cancelling" if ended == "cancelled" else "finalizing",
            finalizing_at=int(time.time()),
        )
        output: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        for i, line in enumerate(lines):
            out = results.get(i)
            if out is None:
                code = "batch_cancelled" if ended == "cancelled" else "batch_expired"
                what = "cancelled" if ended == "cancelled" else "expired"
                out = {
                    "id": _id("batch_req"),
                    "custom_id": line["custom_id"],
                    "response": None,
                    "error": {
                        "code": code,
                        "message": f"This request could not be executed before the batch {what}.",
                    },
                }
                with self._lock:
                    batch.obj["request_counts"]["failed"] += 1
            ok = (out.get("response") or {}).get("status_code") == 200
            (output if ok else failed).append(out)
        bid = batch.obj["id"]

        def write(rows: list[dict[str, Any]], suffix: str) -> str | None:
            if not rows:
                return None
            data = b"".join(json.dumps(r).encode("utf-8") + b"\n" for r in rows)
            return self.add_file(f"{bid}_{suffix}.jsonl", "batch_output", data).id

        now = int(time.time())
        final = ended or "completed"
        total_usage = {
            "input_tokens": usage["input_tokens"],
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": usage["output_tokens"],
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": usage["input_tokens"] + usage["output_tokens"],
        }
        self._set(
            batch,
            status=final,
            output_file_id=write(output, "output"),
            error_file_id=write(failed, "error"),
            usage=total_usage,
            **{f"{final}_at": now},
        )

    # ------------------------------------------------------------------ passthrough
    def proxy(self, method: str, path: str, raw: bytes | None) -> tuple[int, bytes]:
        req = urllib.request.Request(
            self.upstream + path.removeprefix("/v1"),
            data=raw,
            headers={"content-type": "application/json", "authorization": "Bearer batch-front"},
            method=method,
        )
        try:
            with _NO_PROXY.open(req, timeout=self.upstream_timeout) as resp:
                return int(resp.status), resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
        except (urllib.error.URLError, OSError):
            return 502, b'{"error": {"message": "upstream unreachable", "type": "server_error"}}'


def _read_body(h: BaseHTTPRequestHandler) -> bytes:
    if h.headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int(h.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                h.rfile.readline()
                break
            chunks.append(h.rfile.read(size))
            h.rfile.readline()
        return b"".join(chunks)
    return h.rfile.read(int(h.headers.get("content-length") or 0))


def _send(
    h: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str = "application/json"
) -> None:
    try:
        h.send_response(status)
        h.send_header("content-type", ctype)
        h.send_header("content-length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)
    except OSError:
        pass


def _handler(front: BatchFront) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _route(self, method: str) -> None:
            path = self.path.split("?", 1)[0].rstrip("/")
            raw = _read_body(self) if method == "POST" else None
            auth = self.headers.get("authorization", "")
            try:
                if not auth.startswith("Bearer ") or not auth[7:].strip():
                    raise _ApiError(401, "You didn't provide an API key.", code="missing_api_key")
                parts = path.split("/")[1:]  # "", "v1", ...
                if parts[:1] != ["v1"]:
                    raise _ApiError(404, f"Unknown path {path}")
                rest = parts[1:]
                if rest in (["chat", "completions"], ["models"]):
                    status, body = front.proxy(method, path, raw)
                    _send(self, status, body)
                    return
                result = self._dispatch(method, rest, raw or b"")
                if isinstance(result, bytes):
                    _send(self, 200, result, "application/octet-stream")
                else:
                    _send(self, 200, json.dumps(result).encode("utf-8"))
            except _ApiError as exc:
                _send(self, exc.status, json.dumps(exc.body).encode("utf-8"))

        def _dispatch(self, method: str, rest: list[str], raw: bytes) -> dict[str, Any] | bytes:
            if rest == ["files"]:
                if method == "POST":
                    return front.upload(self.headers.get("content-type", ""), raw)
                return front.list_files()
            if len(rest) == 2 and rest[0] == "files":
                if method == "DELETE":
                    return front.delete_file(rest[1])
                return front.file(rest[1]).obj()
            if len(rest) == 3 and rest[0] == "files" and rest[2] == "content":
                return front.file(rest[1]).data
            if rest == ["batches"]:
                if method == "POST":
                    try:
                        req = json.loads(raw)
                    except ValueError:
                        raise _ApiError(400, "The request body is not valid JSON.") from None
                    if not isinstance(req, dict):
                        raise _ApiError(400, "The request body must be a JSON object.")
                    return front.create_batch(req)
                return front.list_batches()
            if len(rest) == 2 and rest[0] == "batches" and method == "GET":
                return front.batch(rest[1])
            if len(rest) == 3 and rest[0] == "batches" and rest[2] == "cancel" and method == "POST":
                return front.cancel_batch(rest[1])
            raise _ApiError(404, f"Unknown route {method} /v1/{'/'.join(rest)}")

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

        def do_DELETE(self) -> None:
            self._route("DELETE")

    return Handler


# --------------------------------------------------------------------------- subprocess


@contextlib.contextmanager
def spawn(upstream: str, *, workers: int = 1, expire_after: float | None = None) -> Iterator[str]:
    """Run the front in a child process (so an HTTP recorder in this process sees only
    the client's side); yields its base URL."""
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--upstream",
        upstream,
        "--workers",
        str(workers),
    ]
    if expire_after is not None:
        cmd += ["--expire-after", str(expire_after)]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"batch front did not start (exit {proc.poll()})")
        yield url
    finally:
        if proc.stdin is not None:
            proc.stdin.close()  # the child's cue to stop
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--upstream", required=True, help="OpenAI-compatible base URL, e.g. .../v1")
    ap.add_argument("--workers", type=int, default=1, help="batch lines run at a time")
    ap.add_argument(
        "--expire-after", type=float, default=None, help="end batches as expired after S s"
    )
    args = ap.parse_args(argv)
    front = BatchFront(args.upstream, workers=args.workers, expire_after=args.expire_after)
    front.start()
    print(front.url, flush=True)
    try:
        sys.stdin.read()  # serve until the parent closes our stdin
    except KeyboardInterrupt:
        pass
    finally:
        front.stop()


if __name__ == "__main__":
    main()
