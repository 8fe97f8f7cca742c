"""Every public output, fetched as an anonymous visitor, for before/after comparisons: the
application's answers and every file of the static mirror (`mirror:` + its path)."""

import tempfile
from pathlib import Path

from mapapp import pagecache, readmodel
from mapapp.mirror import publish

# The public outputs a moderation change could reach (the incident pages are added per id).
PUBLIC_PATHS = ("/api/v1/points", "/api/v1/points?zoom=6", "/api/v1/points?zoom=9",
                "/list", "/stats", "/api/v1/incidents.csv", "/api/v1/incidents.geojson",
                "/feed.atom", "/")


def snapshot(client, incident_ids=()):
    """Return {path: (status, body)} for every public output, built afresh."""
    readmodel.invalidate()
    pagecache.clear()
    paths = [*PUBLIC_PATHS, *(f"/incidents/{i}" for i in incident_ids),
             *(f"/api/v1/incidents/{i}" for i in incident_ids)]
    result = {}
    for path in paths:
        answer = client.get(path)
        body = answer.get_data(as_text=True)
        # The CSP nonce differs per answer; nothing else may.
        nonce = answer.headers.get("Content-Security-Policy", "").split("'nonce-")
        if len(nonce) > 1:
            body = body.replace(nonce[1].split("'")[0], "NONCE")
        result[path] = (answer.status_code, body)
    result.update(mirror_files(client.application))
    return result


def mirror_files(app):
    """Return {"mirror:" + path: (200, text)} for every file `flask publish-static` writes
    for the public (the .gz copies are checked against their files in test_mirror.py; the
    dot-files are the publisher's lock and manifest, left out of every sync)."""
    with tempfile.TemporaryDirectory() as folder, app.app_context():
        publish(folder)
        return {f"mirror:{path.relative_to(folder).as_posix()}":
                (200, path.read_bytes().decode("utf-8", "replace"))
                for path in sorted(Path(folder).rglob("*"))
                if path.is_file() and not path.name.endswith(".gz")
                and not path.name.startswith(".")}  # the publisher's own, never synced


def changed(before, after):
    """Return the paths whose answer differs."""
    return sorted(path for path in before.keys() | after.keys()
                  if before.get(path) != after.get(path))
