"""Response cache: JSON strings only, keyed by everything that changes the answer.

The answers live in a :class:`CacheBackend`, a plain ``str -> str`` store.  The
default, :class:`DiskBackend`, is ``diskcache`` (its index is SQLite, so several
processes on one machine share one directory); :class:`RedisBackend` is a Redis
server that several machines share (``Settings.cache_url``).  Values are stored as
``str`` (never pickled objects) and are re-validated by the caller on read; anything
that fails is treated as a miss.  A shared server that cannot be reached is a miss
too (and a write to it is dropped), with one warning per outage: an outage of the
server never fails a run.

``responses/`` holds the answers (with the alignments of their quotes); ``inputs/``
is an :class:`InputIndex` of derived data that lets a rerun find an answer without
cleaning the page again (always on the local disk: it only saves work); ``claims/``
(or the server's ``claims`` namespace) holds :class:`Claims`, short-lived marks of
answers being asked for right now, so runs sharing the cache ask for each once.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import importlib.util
import json
import logging
import os
import re
import shutil
import sqlite3
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote

from summarizer.errors import CacheError, ConfigError
from summarizer.settings import mask_url, split_url_userinfo, url_userinfo_is_ambiguous

if TYPE_CHECKING:
    from summarizer.settings import Settings

log = logging.getLogger(__name__)

#: bump when the stored entry layout changes
CACHE_FORMAT = 1


@dataclass(frozen=True)
class Canonical:
    """A value already rendered by :func:`canonical_json`, for a part of a key that
    repeats across calls (the request schema): the key is the same, the rendering is
    done once."""

    json: str


def canonical_json(value: Any) -> str:
    """The one JSON rendering keys are computed over: sorted keys, no spaces."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def cache_key(parts: dict[str, Any]) -> str:
    """Stable SHA-256 over a canonical JSON rendering of ``parts``.

    A :class:`Canonical` part stands for the value it was rendered from: the blob is
    exactly ``canonical_json({"format": CACHE_FORMAT, **parts})``, put together from
    the top-level members (what ``sort_keys`` does) so a pre-rendered one is reused.
    """
    members = {"format": CACHE_FORMAT, **parts}
    blob = ",".join(
        f"{json.dumps(k)}:{v.json if isinstance(v, Canonical) else canonical_json(v)}"
        for k, v in sorted(members.items())
    )
    return hashlib.sha256(f"{{{blob}}}".encode()).hexdigest()


@dataclass(frozen=True)
class CacheStats:
    #: the diskcache directory; None for a server
    directory: Path | None
    entries: int
    #: bytes stored (diskcache: on disk; Redis: the values' length)
    size_bytes: int
    backend: str = "diskcache"
    #: where the answers are, secret-free (a server's URL has its password masked)
    location: str = ""


class CacheBackend(Protocol):
    """Where answers are kept: a ``str -> str`` store.  Store failures raise
    :class:`CacheError` with a secret-free message; ``remote`` says whether they are
    transient (a server: the caller takes them as misses) or not (a local directory)."""

    remote: bool

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str, ttl: float | None = None) -> None: ...

    def delete(self, key: str) -> None: ...

    def stats(self) -> CacheStats: ...

    def clear(self) -> int: ...

    def close(self) -> None: ...


def private_dir(path: Path, *, top: Path | None = None) -> Path:
    """Make ``path`` a directory only this user can use, or refuse it.

    Every missing level is created 0700 (the top user-cache directory too).  ``path``
    and each level up to ``top`` (the cache root; ``path`` alone when None) must belong
    to this user and be writable by no one else, or this is a :class:`CacheError` that
    names the directory: a directory another user owns or may write can hold entries
    they planted.  ``path`` itself is then made 0700 if it is not; a directory we do not
    own is never chmod-ed."""
    path = Path(path)
    levels = [path]
    if top is not None and Path(top) in path.parents:
        levels += list(path.parents)[: path.parents.index(Path(top)) + 1]
    missing: list[Path] = []
    for level in (path, *path.parents):
        if os.path.lexists(level):
            break
        missing.append(level)
    for level in reversed(missing):
        try:
            os.mkdir(level, 0o700)
        except FileExistsError:
            continue  # made meanwhile by someone else: checked below like any other
        except OSError as exc:
            raise CacheError(f"cannot create cache directory {level}: {exc.strerror}") from None
        _check_dir(level, tighten=True)  # ours: exactly 0700 whatever the umask
    for level in reversed(levels):
        _check_dir(level, tighten=level == path)
    return path


def _check_dir(level: Path, *, tighten: bool) -> None:
    try:
        st = os.stat(level)
    except OSError as exc:
        raise CacheError(f"cannot use cache directory {level}: {exc.strerror}") from None
    if not stat.S_ISDIR(st.st_mode):
        raise CacheError(f"cache path {level} is not a directory")
    geteuid: Callable[[], int] | None = getattr(os, "geteuid", None)
    if geteuid is None:  # no POSIX owners and modes (Windows): nothing more to check
        return
    if st.st_uid != geteuid():
        raise CacheError(
            f"refusing cache directory {level}: it belongs to another user (uid {st.st_uid}); "
            "use a cache directory of your own"
        )
    if st.st_mode & 0o022:
        raise CacheError(
            f"refusing cache directory {level}: group or others may write to it "
            f"(chmod 700 {level} if it is yours and holds nothing you did not put there)"
        )
    if tighten and stat.S_IMODE(st.st_mode) != 0o700:
        try:
            os.chmod(level, 0o700)
        except OSError as exc:
            raise CacheError(
                f"cannot make cache directory {level} private: {exc.strerror}"
            ) from None


def _corrupt(exc: BaseException) -> bool:
    """A damaged database file (not a locked or busy one, nor a refused directory)."""
    return isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError)


def _rebuild(directory: Path, top: Path | None) -> None:
    """Remove a damaged store and make its directory again (checked first: a directory
    that is not ours is refused, never emptied)."""
    private_dir(directory, top=top)
    try:
        shutil.rmtree(directory)
    except OSError as exc:
        raise CacheError(f"cannot remove damaged cache at {directory}: {exc.strerror}") from None
    private_dir(directory, top=top)
    log.warning("cache %s was damaged; removed it and started an empty one", directory)


#: the input index is emptied when opened beyond this size
INDEX_LIMIT_BYTES = 2**30


class InputIndex:
    """Derived data beside the responses (see :mod:`summarizer.pipeline.keys`): anything it
    holds can be worked out again, so it is written without waiting for the disk
    (``synchronous=OFF``: a crashed machine may lose or damage it, never the answers),
    and every failure, opening included, is only a miss.  Its own directory keeps it
    out of the response cache's entry count; :data:`INDEX_LIMIT_BYTES` bounds it."""

    def __init__(self, directory: Path, *, top: Path | None = None) -> None:
        self.directory = Path(directory)
        self._top = top
        self._cache: Any = None
        self._broken = False

    def _connect(self) -> Any:
        from summarizer.cache.disk import open_cache

        private_dir(self.directory, top=self._top)
        # no eviction bookkeeping per write: when the index has outgrown its limit it
        # is simply emptied when next opened (it only saves work)
        cache = open_cache(
            str(self.directory), sqlite_synchronous=0, eviction_policy="none", cull_limit=0
        )
        try:
            if cache.volume() > INDEX_LIMIT_BYTES:
                cache.clear()
        except BaseException:
            cache.close()
            raise
        return cache

    def _open(self) -> Any:
        if self._cache is None and not self._broken:
            try:
                self._cache = self._connect()
            except CacheError as exc:  # a directory that is not private: refused, said once
                log.warning("%s; going on without the input index", exc)
                self._broken = True
            except Exception:  # noqa: BLE001 - no index is only slower
                self._broken = True
        return self._cache

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            cache = self._open()
            raw = cache.get(key) if cache is not None else None
            value = json.loads(raw) if isinstance(raw, str) else None
        except Exception:  # noqa: BLE001 - corrupt, locked or gone: a miss
            return None
        return value if isinstance(value, dict) else None

    def set(self, key: str, value: dict[str, Any]) -> None:
        try:
            if (cache := self._open()) is not None:
                cache.set(key, json.dumps(value, separators=(",", ":")))
        except Exception:  # noqa: BLE001 - the answer itself is already stored
            pass

    def clear(self) -> None:
        """Empty the index; a damaged one is removed and made again."""
        self.close()
        self._broken = False
        with contextlib.suppress(Exception):
            try:
                self._cache = self._connect()
                self._cache.clear()
            except Exception as exc:
                self.close()
                if not _corrupt(exc):
                    raise
                _rebuild(self.directory, self._top)

    def close(self) -> None:
        if self._cache is not None:
            with contextlib.suppress(Exception):
                self._cache.close()
            self._cache = None


class DiskBackend:
    """``diskcache`` in a private (0700) directory, opened on first use, through
    :class:`~summarizer.cache.disk.TextOnlyDisk` (JSON text only, never a pickle).  A
    corrupt entry or a locked file reads as a miss; a directory that is not private
    (see :func:`private_dir`; ``top`` is the cache root it lives in), cannot be opened,
    or a write that fails is a :class:`CacheError` (a local misconfiguration to fix).
    :meth:`clear` recovers a damaged database by starting an empty one."""

    remote = False

    def __init__(
        self, directory: Path, *, size_limit: int = 2**32, top: Path | None = None
    ) -> None:
        self.directory = Path(directory)
        self._size_limit = size_limit
        self._top = top
        self._cache: Any = None
        self._lock = threading.Lock()

    def _connect(self) -> Any:
        from summarizer.cache.disk import open_cache  # deferred: keeps `import summarizer` fast

        private_dir(self.directory, top=self._top)
        return open_cache(str(self.directory), size_limit=self._size_limit)

    def open(self) -> Any:
        """The ``diskcache.Cache`` itself."""
        if self._cache is None:
            with self._lock:
                if self._cache is None:
                    try:
                        self._cache = self._connect()
                    except CacheError:
                        raise
                    except Exception as exc:  # noqa: BLE001 - sqlite3 errors are not OSError
                        hint = " (`summarizer cache clear` starts an empty one)" * _corrupt(exc)
                        raise CacheError(
                            f"cannot open cache at {self.directory}: {exc}{hint}"
                        ) from None
        return self._cache

    def get(self, key: str) -> str | None:
        cache = self.open()
        try:
            raw = cache.get(key)
        except Exception:  # noqa: BLE001 - a corrupt entry or a locked file is just a miss
            return None
        return raw if isinstance(raw, str) else None

    def set(self, key: str, value: str, ttl: float | None = None) -> None:
        cache = self.open()
        try:
            cache.set(key, value, expire=ttl)
        except Exception as exc:  # noqa: BLE001 - sqlite3 errors are not OSError
            raise CacheError(f"cannot write to cache at {self.directory}: {exc}") from None

    def delete(self, key: str) -> None:
        self.open().delete(key)

    def add(self, key: str, value: str, ttl: float | None = None) -> bool:
        """Store ``value`` only if ``key`` holds nothing live; atomic across processes
        (one SQLite transaction), so exactly one of several callers gets ``True``."""
        cache = self.open()
        try:
            return bool(cache.add(key, value, expire=ttl, retry=True))
        except Exception as exc:  # noqa: BLE001 - sqlite3 errors are not OSError
            raise CacheError(f"cannot write to cache at {self.directory}: {exc}") from None

    def replace_if(
        self, key: str, expected: str, value: str | None, ttl: float | None = None
    ) -> bool:
        """When ``key`` holds ``expected``, set it to ``value`` (remove it for ``None``)
        and return ``True``; atomic across processes."""
        cache = self.open()
        try:
            with cache.transact(retry=True):
                if cache.get(key) != expected:
                    return False
                if value is None:
                    cache.delete(key)
                else:
                    cache.set(key, value, expire=ttl)
                return True
        except Exception as exc:  # noqa: BLE001 - sqlite3 errors are not OSError
            raise CacheError(f"cannot write to cache at {self.directory}: {exc}") from None

    def stats(self) -> CacheStats:
        c = self.open()
        return CacheStats(self.directory, len(c), int(c.volume()), "diskcache", str(self.directory))

    def clear(self) -> int:
        """Remove every entry: their number, or 0 when the database was damaged and has
        been replaced by an empty one (a directory that is not ours stays an error)."""
        with self._lock:
            try:
                if self._cache is None:
                    self._cache = self._connect()
                return int(self._cache.clear())
            except CacheError:
                raise
            except Exception as exc:  # noqa: BLE001 - sqlite3 errors are not OSError
                if not _corrupt(exc):
                    raise CacheError(f"cannot clear cache at {self.directory}: {exc}") from None
                self._close()
            _rebuild(self.directory, self._top)
            return 0

    def _close(self) -> None:
        if self._cache is not None:
            with contextlib.suppress(Exception):
                self._cache.close()
            self._cache = None

    def close(self) -> None:
        with self._lock:
            self._close()


#: URL schemes :class:`RedisBackend` accepts (``unix://`` is a local socket path)
REDIS_SCHEMES = frozenset({"redis", "rediss", "unix"})


class RedisBackend:
    """A Redis server several machines share.  Keys are namespaced
    ``summarizer:v{CACHE_FORMAT}:<namespace>:<key>`` so the cache can share a database
    with other data and a layout change never reads old entries; ``clear`` deletes only
    that namespace.  Values may expire (``ttl``).

    Every failure is a :class:`CacheError` whose message carries the URL with its
    password masked and no server reply that echoes it.  After a connection failure
    the server is left alone for ``cooldown`` seconds (calls fail at once), so a dead
    or unreachable server costs a run one timeout, not one per item.
    """

    remote = True

    def __init__(
        self,
        url: str,
        *,
        namespace: str = "responses",
        timeout: float = 2.0,
        cooldown: float = 10.0,
    ) -> None:
        self.location = mask_url(url)
        scheme = split_url_userinfo(url)[0].lower()
        if scheme not in REDIS_SCHEMES:
            raise ConfigError(
                f"cache_url must start with redis://, rediss:// or unix://, got {self.location}"
            )
        if url_userinfo_is_ambiguous(url):
            # a parser would cut the password at the '/', '?' or '#' and might echo the
            # rest as a host or a database number: refuse before any parsing
            raise ConfigError(
                f"bad cache_url {self.location}: percent-encode the password "
                "('/' as %2F, '?' as %3F, '#' as %23, '@' as %40)"
            )
        if not namespace.replace("_", "").isalnum():
            raise ValueError(f"namespace must be letters, digits and _: {namespace!r}")
        if importlib.util.find_spec("redis") is None:
            raise ConfigError(
                'a Redis cache_url needs the "redis" package: '
                'pip install "operation-summarizer[scale]"'
            )
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        self.prefix = f"summarizer:v{CACHE_FORMAT}:{namespace}:"
        self._secrets = _url_secrets(url)
        self._cooldown = cooldown
        self._down_until = 0.0
        self._lock = threading.Lock()
        try:
            # one quick retry (a pooled connection the server closed), not redis-py's
            # default ten with back-off: a miss is cheaper than waiting
            self._client: Any = redis.Redis.from_url(
                url,
                decode_responses=True,
                socket_timeout=timeout,
                socket_connect_timeout=timeout,
                retry=Retry(NoBackoff(), 1),
                health_check_interval=30,
            )
        except (ValueError, TypeError, redis.RedisError) as exc:
            raise ConfigError(f"bad cache_url {self.location}: {self._scrub(exc)}") from None
        self._connection_errors: tuple[type[BaseException], ...] = (
            redis.ConnectionError,
            redis.TimeoutError,
            OSError,
        )

    def __repr__(self) -> str:
        return f"RedisBackend({self.location!r}, prefix={self.prefix!r})"

    def __reduce__(self) -> Any:
        # it holds the password: not something to ship or store by accident
        raise TypeError("a RedisBackend is not picklable; ship Settings and open it there")

    def _scrub(self, exc: BaseException) -> str:
        message = f"{type(exc).__name__}: {exc}"
        for secret in self._secrets:
            message = message.replace(secret, "***")
        return message[:300]

    def _call(self, op: str, fn: Any) -> Any:
        if time.monotonic() < self._down_until:
            raise CacheError(f"redis cache at {self.location} is unreachable (backing off)")
        try:
            return fn(self._client)
        except Exception as exc:  # noqa: BLE001 - every redis failure becomes a CacheError
            if isinstance(exc, self._connection_errors):
                with self._lock:
                    self._down_until = time.monotonic() + self._cooldown
            message = f"redis cache at {self.location}: {op} failed: {self._scrub(exc)}"
        raise CacheError(message)  # outside the except: no chained exception to print

    def get(self, key: str) -> str | None:
        raw = self._call("read", lambda r: r.get(self.prefix + key))
        return raw if isinstance(raw, str) else None

    def set(self, key: str, value: str, ttl: float | None = None) -> None:
        px = max(1, round(ttl * 1000)) if ttl is not None else None
        self._call("write", lambda r: r.set(self.prefix + key, value, px=px))

    def delete(self, key: str) -> None:
        self._call("delete", lambda r: r.delete(self.prefix + key))

    def add(self, key: str, value: str, ttl: float | None = None) -> bool:
        """Store ``value`` only if ``key`` is free (``SET NX``): one caller wins."""
        px = max(1, round(ttl * 1000)) if ttl is not None else None
        return bool(self._call("write", lambda r: r.set(self.prefix + key, value, px=px, nx=True)))

    def replace_if(
        self, key: str, expected: str, value: str | None, ttl: float | None = None
    ) -> bool:
        """When ``key`` holds ``expected``, set it to ``value`` (delete it for ``None``);
        a ``WATCH`` transaction, so a concurrent change makes this ``False``."""
        import redis

        px = max(1, round(ttl * 1000)) if ttl is not None else None
        name = self.prefix + key

        def swap(r: Any) -> bool:
            with r.pipeline() as pipe:
                try:
                    pipe.watch(name)
                    if pipe.get(name) != expected:
                        return False
                    pipe.multi()
                    if value is None:
                        pipe.delete(name)
                    else:
                        pipe.set(name, value, px=px)
                    pipe.execute()
                except redis.WatchError:
                    return False
            return True

        return bool(self._call("write", swap))

    def _keys(self, r: Any) -> Any:
        """This namespace's keys in batches (SCAN, never KEYS: the server stays free)."""
        batch: list[str] = []
        for key in r.scan_iter(match=self.prefix + "*", count=1000):
            batch.append(key)
            if len(batch) == 1000:
                yield batch
                batch = []
        if batch:
            yield batch

    def stats(self) -> CacheStats:
        def count(r: Any) -> tuple[int, int]:
            entries = size = 0
            for batch in self._keys(r):
                pipe = r.pipeline(transaction=False)
                for key in batch:
                    pipe.strlen(key)
                size += sum(int(n) for n in pipe.execute())
                entries += len(batch)
            return entries, size

        entries, size = self._call("stats", count)
        return CacheStats(None, entries, size, "redis", f"{self.location} {self.prefix}*")

    def clear(self) -> int:
        def remove(r: Any) -> int:
            return sum(int(r.unlink(*batch)) for batch in list(self._keys(r)))

        return int(self._call("clear", remove))

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._client.close()


def _url_secrets(url: str) -> tuple[str, ...]:
    """The password parts of ``url`` to scrub from messages: the user part up to the
    last ``@`` (its password, and each piece a parser could have cut it into), and
    ``password=`` query values; raw and percent-decoded."""
    _, userinfo, rest = split_url_userinfo(url)
    found: list[str] = []
    if userinfo is not None:
        password = userinfo.partition(":")[2] or userinfo
        found += [userinfo, password, *re.split(r"[/?#@:&=]", password)]
    for part in rest.partition("?")[2].split("&"):
        name, _, value = part.partition("=")
        if "password" in unquote(name).lower():
            found.append(value)
    secrets = {s for v in found if v for s in (v, unquote(v)) if len(s) >= 3}
    return tuple(sorted(secrets, key=len, reverse=True))  # longest first


def answer_entry_ok(entry: dict[str, Any]) -> bool:
    """Whether ``entry`` has the shape ``Summarizer`` writes an answer in: ``content``
    (the model's JSON text), ``usage`` (counts), ``attempts`` (at least 1) and
    ``warnings`` (text), and when present ``model`` and ``prompt`` (text) and
    ``alignments`` (an object).  Anything else did not come from this library."""
    usage, attempts, warnings = entry.get("usage"), entry.get("attempts"), entry.get("warnings")
    return (
        isinstance(entry.get("content"), str)
        and isinstance(usage, dict)
        and all(type(n) is int and n >= 0 for n in usage.values())
        and type(attempts) is int
        and attempts >= 1
        and isinstance(warnings, list)
        and all(isinstance(w, str) for w in warnings)
        and all(isinstance(entry.get(k, ""), str) for k in ("model", "prompt"))
        and isinstance(entry.get("alignments", {}), dict)
    )


#: how a signed value starts: ``hmac-sha256:<64 hex>:<JSON text>``
_SIGNED = "hmac-sha256:"


class Outage:
    """A remote store's failures, told once: the first at WARNING, the rest at DEBUG
    (every request of a run would log one otherwise), until :meth:`over` says it
    answers again.  The cache and the claims both go on without their store."""

    def __init__(self, logger: logging.Logger) -> None:
        self._log = logger
        self._lock = threading.Lock()
        self.on = False

    def failed(self, message: str, *args: object) -> None:
        with self._lock:
            first, self.on = not self.on, True
        self._log.log(logging.WARNING if first else logging.DEBUG, message, *args)

    def over(self) -> bool:
        """Whether an outage ends now: the store answered after failing."""
        if not self.on:
            return False
        with self._lock:
            was, self.on = self.on, False
        return was


class ResponseCache:
    """JSON answers over a :class:`CacheBackend` (``diskcache`` in ``directory/responses``
    unless another is given), and the local :class:`InputIndex`.

    ``check`` (:func:`answer_entry_ok` for :meth:`for_settings`) is the shape an entry
    must have: one that fails it, like one that is not a JSON object, reads as a miss.
    With a ``signing_key`` every value is stored signed (HMAC-SHA256 over the entry's
    key and its text, so an entry cannot be moved under another key either) and a
    value without a valid signature reads as a miss: for a cache others can write to.

    A remote backend's failure is a miss on read and a dropped write, logged as one
    warning per outage (then at debug level until it answers again).
    """

    def __init__(
        self,
        directory: Path,
        *,
        backend: CacheBackend | None = None,
        ttl: float | None = None,
        check: Callable[[dict[str, Any]], bool] | None = None,
        signing_key: bytes | None = None,
    ) -> None:
        #: the diskcache directory (read when the default backend is first opened)
        self.directory = Path(directory) / "responses"
        self.ttl = ttl
        self._backend = backend
        self._check = check
        self._signing_key = signing_key or None
        self._lock = threading.Lock()
        self._outage = Outage(log)
        #: prepared inputs -> their answer's key (derived, see :class:`InputIndex`)
        self.index = InputIndex(Path(directory) / "inputs", top=Path(directory))

    @classmethod
    def for_settings(cls, settings: Settings) -> ResponseCache:
        """The cache ``settings`` name: Redis when ``cache_url`` is set, else diskcache in
        ``cache_dir``; entries are checked with :func:`answer_entry_ok` and signed when
        ``cache_signing_key`` is set.  A bad URL or a missing ``redis`` package is a
        ConfigError now, not a miss per item later."""
        backend: CacheBackend | None = None
        if settings.cache_url is not None:
            backend = RedisBackend(settings.cache_url.get_secret_value())
        key = settings.cache_signing_key
        return cls(
            settings.resolved_cache_dir,
            backend=backend,
            ttl=settings.cache_ttl,
            check=answer_entry_ok,
            signing_key=None if key is None else key.get_secret_value().encode(),
        )

    @property
    def backend(self) -> CacheBackend:
        if self._backend is None:
            with self._lock:
                if self._backend is None:
                    self._backend = DiskBackend(self.directory, top=self.directory.parent)
        return self._backend

    def _signature(self, key: str, text: str) -> str:
        assert self._signing_key is not None
        message = f"{CACHE_FORMAT}\0{key}\0{text}".encode()
        return hmac.new(self._signing_key, message, hashlib.sha256).hexdigest()

    def _unsign(self, key: str, raw: str) -> str | None:
        """The text of a signed value, or None when it is unsigned or the signature is
        not ours."""
        signature, sep, text = raw.removeprefix(_SIGNED).partition(":")
        if not raw.startswith(_SIGNED) or not sep:
            return None
        return text if hmac.compare_digest(signature, self._signature(key, text)) else None

    def _open(self) -> Any:
        """The raw ``diskcache.Cache`` of the default backend (tests and tools)."""
        backend = self.backend
        if not isinstance(backend, DiskBackend):
            raise TypeError(f"not a diskcache backend: {backend!r}")
        return backend.open()

    def _degraded(self, exc: CacheError) -> None:
        self._outage.failed("%s; going on without the shared cache (misses)", exc)

    def _recovered(self) -> None:
        if self._outage.over():
            log.warning("the shared cache answers again: %s", self.location)

    @property
    def location(self) -> str:
        """Where the answers are, secret-free."""
        backend = self.backend
        return str(getattr(backend, "location", None) or self.directory)

    def get(self, key: str) -> dict[str, Any] | None:
        backend = self.backend
        try:
            raw = backend.get(key)
        except CacheError as exc:
            if not backend.remote:
                raise
            self._degraded(exc)
            return None
        self._recovered()
        if raw is None:
            return None
        if self._signing_key is not None and (raw := self._unsign(key, raw)) is None:
            log.warning("cache entry %s... is not signed with the cache key: a miss", key[:12])
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(value, dict):
            return None
        if self._check is not None and not self._check(value):
            log.warning("cache entry %s... is not one this library wrote: a miss", key[:12])
            return None
        return value

    def set(self, key: str, value: dict[str, Any]) -> None:
        backend = self.backend
        text = json.dumps(value, separators=(",", ":"))
        if self._signing_key is not None:
            text = f"{_SIGNED}{self._signature(key, text)}:{text}"
        try:
            backend.set(key, text, self.ttl)
        except CacheError as exc:
            if not backend.remote:
                raise
            self._degraded(exc)
            return
        self._recovered()

    def delete(self, key: str) -> None:
        self.backend.delete(key)

    def stats(self) -> CacheStats:
        return self.backend.stats()

    def clear(self) -> int:
        self.index.clear()
        return self.backend.clear()

    def close(self) -> None:
        self.index.close()
        if self._backend is not None:
            self._backend.close()


# --------------------------------------------------------------------------- claims
