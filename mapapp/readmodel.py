"""The public read side as bytes: built once per (data version, what was asked, language),
kept within a byte budget, precompressed, and sent with ETags.

A viral spike, a shared link to the open data or a flood of made-up filters then costs a
dictionary look-up, not a database scan: the DDoS that took the 2024 map down. What is kept is
bounded in bytes, not entries (a 30 MB export and a 300-byte count are not alike), the copies
kept for database outages included. Large answers are built from a stream of chunks straight
into gzip, kept only gzipped, and unzipped chunk by chunk for the rare client that does not
take gzip, so no whole export is ever held as Python objects or as plain bytes.

The data version is a cheap query (published count and the newest change of any incident),
read at most every VERSION_TTL seconds per process; a commit that writes incidents clears this
process's copies at once, other processes follow within the TTL.
"""

import hashlib
import os
import threading
import time
import zlib
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from flask import Response, current_app, request
from sqlalchemy import event, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from mapapp import memory
from mapapp.models import Incident

VERSION_TTL = 2.0
GZIP_ABOVE = 1024  # smaller answers are sent as they are
KEEP_PLAIN_BELOW = 256 * 1024  # larger answers are kept gzipped only
CHUNK = 64 * 1024
LARGE = 2**20  # after building an answer this large, freed memory goes back to the system
ENTRY_OVERHEAD = 512  # bytes counted for each entry's key and bookkeeping (measured: about 440)


@dataclass(frozen=True)
class Answer:
    """One built answer: plain bytes (None when large), gzip bytes (None when small)."""

    plain: bytes | None
    gzipped: bytes | None
    etag: str
    mimetype: str
    length: int  # of the plain bytes

    @property
    def cost(self):
        """Bytes this answer takes in a cache."""
        return len(self.plain or b"") + len(self.gzipped or b"") + ENTRY_OVERHEAD

    def text(self):
        """Return the plain bytes (unzipping a large answer; for small answers only)."""
        return self.plain if self.plain is not None else zlib.decompress(self.gzipped, 31)


class ByteBudgetCache:
    """A least-recently-used mapping bounded by the bytes of its values, thread-safe.

    `cost(value)` says what a value weighs; one heavier than the whole budget is not kept.
    """

    def __init__(self, budget_name, default_budget, cost=lambda value: value.cost):
        self.budget_name, self.default_budget, self.cost = budget_name, default_budget, cost
        self._items, self._used, self._lock = OrderedDict(), 0, threading.Lock()

    def budget(self):
        """The configured budget in bytes (read from the app when there is one)."""
        try:
            return int(current_app.config.get(self.budget_name, self.default_budget))
        except RuntimeError:  # no app: tests of the cache itself
            return self.default_budget

    def get(self, key):
        """Return the value for key, or None; a hit becomes the most recent."""
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key, value):
        """Keep value under key, evicting the least recent values beyond the budget."""
        weight, budget = self.cost(value), self.budget()
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._used -= self.cost(old)
            if weight > budget:
                return
            self._items[key] = value
            self._used += weight
            evicting = self._used > budget
            while self._used > budget:
                _key, evicted = self._items.popitem(last=False)
                self._used -= self.cost(evicted)
        if evicting:
            memory.give_back()  # what was evicted is freed but still held by malloc

    def clear(self):
        """Forget everything."""
        with self._lock:
            self._items.clear()
            self._used = 0

    @property
    def used(self):
        """Bytes held now."""
        return self._used

    def __len__(self):
        return len(self._items)


_answers = ByteBudgetCache("READ_MODEL_BYTES", 32 * 2**20)
_last_good = ByteBudgetCache("LAST_GOOD_BYTES", 8 * 2**20)  # for database outages
_version_lock = threading.Lock()
_generation = [0]  # bumped by invalidate(): every app reads its data version again
_building, _building_lock = {}, threading.Lock()


def invalidate():
    """Forget every built answer (after a commit that changed incidents, and in tests)."""
    _answers.clear()
    with _version_lock:
        _generation[0] += 1


def generation():
    """Return a number that grows whenever a commit changed incidents in this process."""
    return _generation[0]


def _app_key():
    """Tell apps apart (one per process in production; tests build several)."""
    return id(current_app._get_current_object())


def forget_everything():
    """Forget built answers and the outage copies too (tests, and a policy change)."""
    invalidate()
    _last_good.clear()


@event.listens_for(Session, "after_flush")
def _note_incident_changes(session, _flush_context):
    """Remember that this transaction wrote incidents."""
    if any(isinstance(obj, Incident) for obj in (*session.new, *session.dirty,
                                                  *session.deleted)):
        session.info["incidents_changed"] = True


@event.listens_for(Session, "after_commit")
def _invalidate_after_commit(session):
    """Drop built answers once a transaction that wrote incidents has committed."""
    if session.info.pop("incidents_changed", False):
        invalidate()
        from mapapp.mirror.auto import incidents_changed

        incidents_changed()


def data_version(session):
    """Return a short text that changes whenever any public output may change: the number of
    published incidents and the newest change to any incident (a hidden entry's page and
    history are public too)."""
    from mapapp.corrections import enforce_if_due

    now = time.monotonic()
    seen = current_app.extensions.setdefault("mapapp.data_version", {})
    with _version_lock:
        if seen.get("generation") == _generation[0] and now - seen["checked"] < VERSION_TTL:
            return seen["value"]
        generation = _generation[0]
    enforce_if_due(session)
    published, latest = session.execute(select(
        func.count().filter(Incident.status == "published"), func.max(Incident.updated_at))
    ).one()
    value = f"{published}-{latest.timestamp() if latest else 0}"
    with _version_lock:
        seen.update(value=value, checked=now, generation=generation)
    return value


class _Packer:
    """Hash and gzip an answer's chunks in order. A chunk of CHUNK bytes or more is packed on a
    helper thread while the next one is built: zlib and sha1 let go of the GIL, so on two cores
    compressing a 20 MB export costs the request next to nothing (it was an eighth of a cold
    build). At most one chunk is in flight, so the order and the memory held are as before."""

    def __init__(self):
        self.digest = hashlib.sha1()
        self.zip = zlib.compressobj(6, zlib.DEFLATED, 31)  # gzip framing, no file name or time
        self.packed = []
        self.pending = None

    def _pack(self, chunk):
        self.digest.update(chunk)
        self.packed.append(self.zip.compress(chunk))

    def _wait(self):
        if self.pending is not None:
            self.pending.result()
            self.pending = None

    def add(self, chunk):
        self._wait()
        if len(chunk) >= CHUNK:
            self.pending = _helper().submit(self._pack, chunk)
        else:
            self._pack(chunk)

    def finish(self):
        """Return (gzip bytes, ETag)."""
        self._wait()
        self.packed.append(self.zip.flush())
        return b"".join(self.packed), self.digest.hexdigest()[:20]


_helper_lock = threading.Lock()
_helper_pool = (None, None)  # (process id, pool): a pool made before a fork has no threads


def _helper():
    """Return this process's packing threads."""
    global _helper_pool
    with _helper_lock:
        if _helper_pool[0] != os.getpid():
            _helper_pool = (os.getpid(), ThreadPoolExecutor(2, thread_name_prefix="pack"))
        return _helper_pool[1]


def _exact(chunks):
    """Return the chunks as one bytes object that owns exactly its length. One chunk would be
    kept as it is, and orjson's output keeps the buffer it grew in: `orjson.dumps([])` is two
    bytes holding 4 KB, which made each cached name look-up eight times the size the budget
    counted (docs/benchmarks.md: worker memory after 10,000 made-up names)."""
    if len(chunks) == 1:
        return bytes(memoryview(chunks[0]))
    return b"".join(chunks)


def make_answer(chunks, mimetype):
    """Build an Answer from an iterable of byte chunks, compressing as they come."""
    packer = _Packer()
    plain, length = [], 0
    for chunk in chunks:
        if not chunk:
            continue
        length += len(chunk)
        if plain is not None:
            plain.append(chunk)
            if length >= KEEP_PLAIN_BELOW:
                plain = None
        packer.add(chunk)
    gzipped, etag = packer.finish()
    return Answer(plain=_exact(plain) if plain is not None else None,
                  gzipped=gzipped if length >= GZIP_ABOVE else None,
                  etag=etag, mimetype=mimetype, length=length)


def cached(session, kind, key, build, mimetype, outage_key=None):
    """Return the Answer for (data version, kind, key), building it from build()'s chunks only
    when no copy exists; one thread builds while others asking for the same key wait. When the
    database fails, the last answer built for (kind, outage_key or key) is returned, if there
    is one (outage_key: a key that can be made without the database)."""
    outage_key = key if outage_key is None else outage_key
    try:
        version = data_version(session)
        full_key = (_app_key(), version, kind, key)
        hit = _answers.get(full_key)
        if hit is not None:
            return hit
        with _building_lock:
            done = _building.get(full_key)
            first = done is None
            if first:
                done = _building[full_key] = threading.Event()
        if not first:
            done.wait(60)
            hit = _answers.get(full_key)
            if hit is not None:
                return hit
        try:
            answer = make_answer(build(), mimetype)
        finally:
            if first:
                with _building_lock:
                    _building.pop(full_key, None)
                done.set()
    except SQLAlchemyError:
        session.rollback()
        kept = _last_good.get((_app_key(), kind, outage_key))
        if kept is not None:
            current_app.logger.warning("database unavailable: serving the last %s", kind)
            return kept
        raise
    _answers.put(full_key, answer)
    _last_good.put((_app_key(), kind, outage_key), answer)
    if answer.length >= LARGE:
        memory.give_back(force=True)  # the build's chunks passed through the heap
    return answer


def _unzipped(gzipped):
    """Yield the plain bytes of a gzipped answer chunk by chunk."""
    unpacker = zlib.decompressobj(31)
    for start in range(0, len(gzipped), CHUNK):
        piece = unpacker.decompress(gzipped[start:start + CHUNK])
        if piece:
            yield piece
    rest = unpacker.flush()
    if rest:
        yield rest


def respond(answer, cache_control, headers=None):
    """Send an Answer: gzip when the client takes it, a 304 when its ETag matches."""
    takes_gzip = request.accept_encodings["gzip"] > 0
    if answer.gzipped is not None and takes_gzip:
        body = answer.gzipped
    elif answer.plain is not None:
        body = answer.plain
    else:
        body = _unzipped(answer.gzipped)
    response = Response(body, mimetype=answer.mimetype)
    if body is answer.gzipped:
        response.headers["Content-Encoding"] = "gzip"
    if answer.gzipped is not None:
        response.vary.add("Accept-Encoding")
    response.set_etag(answer.etag, weak=True)  # the same for either encoding
    response.headers["Cache-Control"] = cache_control
    response.headers.update(headers or {})
    return response.make_conditional(request)
