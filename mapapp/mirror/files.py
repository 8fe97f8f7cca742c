"""Writing the mirror's files: only what changed, each file whole or not at all, a gzip copy
beside every text file (for `gzip_static` and object stores), and nothing left behind that
the mirror no longer holds (a page of an entry taken down must not outlive it)."""

import gzip
import hashlib
import os
import tempfile
import zlib
from pathlib import Path

COMPRESS = (".html", ".json", ".geojson", ".csv", ".atom", ".css", ".js", ".svg", ".txt")
GZIP_ABOVE = 1024
CHUNK = 1 << 16
KEEP = (".lock", ".manifest.json")  # never removed: the publisher's own


class Output:
    """A mirror folder being written."""

    def __init__(self, root):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.written = set()  # relative paths this run holds (gzip copies included)
        self.changed = 0

    def _target(self, relative):
        relative = relative.lstrip("/")
        if relative.endswith("/") or not relative:
            relative += "index.html"
        target = (self.root / relative).resolve()
        if self.root.resolve() not in target.parents:
            raise ValueError(f"outside the mirror: {relative}")
        return relative, target

    def write(self, relative, data):
        """Write bytes at `relative` ("/list/2/" means list/2/index.html) if they changed."""
        relative, target = self._target(relative)
        self.written.add(relative)
        compressible = relative.endswith(COMPRESS) and len(data) > GZIP_ABOVE
        if compressible:
            self.written.add(relative + ".gz")
        if target.exists() and target.stat().st_size == len(data) \
                and target.read_bytes() == data \
                and (not compressible or target.with_name(target.name + ".gz").exists()):
            return
        _replace(target, lambda out: out.write(data))
        if compressible:
            _replace(target.with_name(target.name + ".gz"),
                     lambda out: out.write(gzip.compress(data, 6, mtime=0)))
        self.changed += 1

    def write_gzipped(self, relative, chunks):
        """Write a large file given as gzip chunks (an export from the read model): the gzip
        copy as it is, the plain file unzipped chunk by chunk; never whole in memory."""
        relative, target = self._target(relative)
        self.written.update((relative, relative + ".gz"))
        packed = target.with_name(target.name + ".gz")
        fresh = _temporary(packed)
        with open(fresh, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
        if packed.exists() and target.exists() and _digest(packed) == _digest(fresh):
            os.unlink(fresh)
            return
        plain = _temporary(target)
        with open(fresh, "rb") as source, open(plain, "wb") as out:
            unzip = zlib.decompressobj(31)
            while block := source.read(CHUNK):
                out.write(unzip.decompress(block))
            out.write(unzip.flush())
        os.replace(plain, target)
        os.replace(fresh, packed)
        self.changed += 1

    def keep(self, relative):
        """Keep a file written by an earlier run as it is; tell whether it (and its gzip
        copy, where one belongs) is there."""
        relative, target = self._target(relative)
        packed = target.with_name(target.name + ".gz")
        if not target.is_file() or (relative.endswith(COMPRESS)
                                    and target.stat().st_size > GZIP_ABOVE
                                    and not packed.is_file()):
            return False
        self.written.add(relative)
        if packed.is_file():
            self.written.add(relative + ".gz")
        return True

    def remove_the_rest(self):
        """Delete files this run did not write, and the folders they leave empty; return how
        many files went. Walked bottom-up folder by folder, never listed whole (200,000
        files at 100k incidents)."""
        gone = 0
        for folder, subfolders, names in os.walk(self.root, topdown=False):
            here = Path(folder)
            prefix = here.relative_to(self.root).as_posix()
            for name in names:
                relative = name if prefix == "." else f"{prefix}/{name}"
                if relative not in self.written and not name.endswith(KEEP):
                    (here / name).unlink()
                    gone += 1
            for name in subfolders:
                if not any((here / name).iterdir()):
                    (here / name).rmdir()
        return gone


def _temporary(target):
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
    os.close(handle)
    os.chmod(name, 0o644)  # a static host's workers read it as another user
    return name


def _replace(target, fill):
    """Write through a temporary file and rename it over the target (readers never see half
    a file)."""
    name = _temporary(target)
    try:
        with open(name, "wb") as out:
            fill(out)
        os.replace(name, target)
    except BaseException:
        os.unlink(name)
        raise


def _digest(path):
    hashed = hashlib.sha256()
    with open(path, "rb") as source:
        while block := source.read(CHUNK):
            hashed.update(block)
    return hashed.digest()


def content_name(relative, data):
    """Return `css/site.css` as `css/site.<10 hex of its SHA-256>.css`."""
    stem, dot, suffix = relative.rpartition(".")
    tag = hashlib.sha256(data).hexdigest()[:10]
    return f"{stem}.{tag}.{suffix}" if dot and "/" not in suffix else f"{relative}.{tag}"

