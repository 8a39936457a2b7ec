"""Claims on work in a shared cache: a run takes an item's key before asking the model,
so two runs sharing a cache (and an output) ask once per item, not once each.

A claim is an entry in its own namespace beside the answers (``<cache>/claims`` or the
``claims`` namespace on Redis), taken atomically, renewed by its holder every third of
:data:`CLAIM_TTL`, released at the end; a crashed run's claims expire on their own.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import socket
import threading
import time
from typing import TYPE_CHECKING, Protocol

from summarizer.cache.store import DiskBackend, Outage, RedisBackend

if TYPE_CHECKING:
    from summarizer.settings import Settings

log = logging.getLogger(__name__)


#: seconds a claim lives unless its holder renews it (it does, every third of that)
CLAIM_TTL = 30.0


class ClaimBackend(Protocol):
    """What :class:`Claims` needs of a store: an atomic add and compare-and-set."""

    def add(self, key: str, value: str, ttl: float | None = None) -> bool: ...

    def replace_if(
        self, key: str, expected: str, value: str | None, ttl: float | None = None
    ) -> bool: ...

    def close(self) -> None: ...


class Claims:
    """Who is asking the model for which answer right now, kept where the answers are
    shared (``claims/`` beside ``responses/``, or the Redis server's ``claims``
    namespace), so the answers' entries and their count are left alone.

    A run claims an answer's key before it asks the model; another run, or another
    item of the same run with the same cleaned text, finds the claim taken and waits
    for its release, then reads the answer from the cache instead of paying for it
    again (two runs sharing a cache otherwise ask for most items twice).  A claim lapses
    ``ttl`` seconds after its last renewal, and a thread renews this object's claims
    every ``ttl / 3``: a long request keeps its claim, a crashed run's claims free
    themselves.  A failing store is never an error: the claim is taken as ours, which
    costs at worst a duplicate request."""

    def __init__(self, backend: ClaimBackend, *, ttl: float = CLAIM_TTL) -> None:
        self._backend = backend
        self.ttl = ttl
        self._held: dict[str, str] = {}
        self._lock = threading.Lock()
        self._tick = threading.Condition(self._lock)
        self._renewer: threading.Thread | None = None
        self._closed = False
        self._outage = Outage(log)  # said once: claims never report a recovery

    @classmethod
    def for_settings(cls, settings: Settings, *, ttl: float = CLAIM_TTL) -> Claims | None:
        """Claims beside the cache ``settings`` name (nothing is opened yet); ``None``
        without a cache, which is the only way answers are shared."""
        if not settings.use_cache:
            return None
        backend: ClaimBackend
        if settings.cache_url is not None:
            backend = RedisBackend(settings.cache_url.get_secret_value(), namespace="claims")
        else:
            top = settings.resolved_cache_dir
            backend = DiskBackend(top / "claims", size_limit=2**26, top=top)
        return cls(backend, ttl=ttl)

    def acquire(self, key: str) -> str | None:
        """A token when the claim on ``key`` is now ours (give it back to
        :meth:`release`), ``None`` while another holder has it.  An empty token means
        the store failed or this object is closed: go ahead unclaimed."""
        with self._lock:
            if self._closed:
                return ""
        token = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(8)}"
        try:
            if not self._backend.add(key, token, self.ttl):
                return None
        except Exception as exc:  # noqa: BLE001 - no claim only risks a duplicate request
            self._failed(exc)
            return ""
        with self._lock:
            self._held[key] = token
            if self._renewer is None:
                self._renewer = threading.Thread(
                    target=self._renew, name="summarizer-claims", daemon=True
                )
                self._renewer.start()
        return token

    def release(self, key: str, token: str) -> None:
        """Give the claim up (the answer is cached, or the attempt failed): a waiter
        takes it next.  A token that is no longer held is ignored."""
        with self._lock:
            if not token or self._held.get(key) != token:
                return
            del self._held[key]
            self._tick.notify_all()
        self._remove(key, token)

    def _remove(self, key: str, token: str) -> None:
        try:
            self._backend.replace_if(key, token, None)
        except Exception as exc:  # noqa: BLE001 - the claim lapses on its own
            self._failed(exc)

    def _renew(self) -> None:
        """The renewal thread: every ``ttl / 3`` while claims are held, then it ends."""
        due = time.monotonic() + self.ttl / 3
        while True:
            with self._lock:
                while not self._closed and self._held and (left := due - time.monotonic()) > 0:
                    self._tick.wait(left)
                if self._closed or not self._held:
                    self._renewer = None
                    return
                held = list(self._held.items())
            due = time.monotonic() + self.ttl / 3
            for key, token in held:
                try:
                    kept = self._backend.replace_if(key, token, token, self.ttl)
                except Exception as exc:  # noqa: BLE001 - try again at the next tick
                    self._failed(exc)
                    continue
                if not kept:  # lapsed and taken by another: not ours to renew
                    with self._lock:
                        if self._held.get(key) == token:
                            del self._held[key]

    def _failed(self, exc: BaseException) -> None:
        self._outage.failed("claims: %s; going on unclaimed (a request may be made twice)", exc)

    def close(self) -> None:
        """Release every claim still held (a stopped run's requests are abandoned: no
        one should wait for them) and close the store."""
        with self._lock:
            self._closed = True
            held, self._held = list(self._held.items()), {}
            renewer = self._renewer
            self._tick.notify_all()
        if renewer is not None and renewer is not threading.current_thread():
            renewer.join(1.0)  # it wakes at once and ends; a store call in progress may not
        for key, token in held:
            self._remove(key, token)
        with contextlib.suppress(Exception):
            self._backend.close()
