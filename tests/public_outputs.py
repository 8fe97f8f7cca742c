"""Every public output, fetched as an anonymous visitor, for before/after comparisons."""

from mapapp import pagecache, readmodel

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
    return result


def changed(before, after):
    """Return the paths whose answer differs."""
    return sorted(path for path in before if before[path] != after[path])
