"""Give freed memory back to the system, and keep the garbage collector off long-lived objects.

glibc's malloc keeps the pages of freed memory for the process; after a large build (a
30 MB export passes through memory as chunks) or a flood of small answers evicted from the
caches, the worker's resident size stays at its peak although Python has freed the objects.
`malloc_trim` returns those pages. It walks the heap, so it runs at most every few seconds.
"""

import ctypes
import ctypes.util
import gc
import threading
import time

TRIM_EVERY = 5.0  # seconds between two trims at most
# Allocations between two young-generation collections (Python's default is 700). An export
# makes about a million short-lived objects; at 700 the collector ran over a thousand times
# per build and, with the collections of older generations it set off, took a quarter to a
# third of a cold build (docs/benchmarks.md). Cyclic garbage waits a little longer.
YOUNG_COLLECTION_EVERY = 10_000


def _malloc_trim():
    """Return glibc's malloc_trim, or None where there is none (musl, macOS)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


_trim = _malloc_trim()
_last, _lock = [float("-inf")], threading.Lock()


def give_back(force=False):
    """Return freed heap pages to the system; True when a trim ran. Without `force`, at most
    once per TRIM_EVERY seconds."""
    if _trim is None:
        return False
    now = time.monotonic()
    with _lock:
        if not force and now - _last[0] < TRIM_EVERY:
            return False
        _last[0] = now
    gc.collect()  # cyclic garbage first (the application is frozen out: settle_heap)
    _trim(0)
    return True


def settle_heap():
    """Move every object alive now out of the collector's sight (gc.freeze: the application,
    its modules and data, loaded once in gunicorn's master) and collect the young generation
    less often. Called before each fork, as Python's documentation advises: the workers then
    share those pages too, as no collection writes to them."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, *gc.get_threshold()[1:])
