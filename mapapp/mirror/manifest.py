"""What the last publish rendered, so the next one renders only the incidents that changed.

An incident's pages (both languages) and popup depend on its own row, its institution's row
and its public history, and on the site: templates, catalogs, assets, the app's code, the
publication policy and the configured origins. Each incident's fingerprint hashes the first
three (every column, so a new column cannot be forgotten); the site's key hashes the rest. A
page is rendered again when either changed or one of its files is missing. The manifest is
kept beside the mirror as a dot-file (`.manifest.json`): leave it out when syncing
(docs/deploy.md).
"""

import hashlib
import json
from pathlib import Path

from sqlalchemy import LABEL_STYLE_TABLENAME_PLUS_COL, func, select

from mapapp.models import Incident, IncidentHistory, Institution

NAME = ".manifest.json"
BATCH = 2000
ROOT = Path(__file__).resolve().parent.parent.parent


def site_key(app, assets):
    """Hash what every page depends on besides its own data."""
    digest = hashlib.sha256()
    for folder, pattern in ((ROOT / "templates", "**/*"), (ROOT / "translations", "**/*.mo"),
                            (ROOT / "mapapp", "**/*.py")):
        for path in sorted(folder.glob(pattern)):
            if path.is_file():
                digest.update(path.as_posix().encode() + path.read_bytes())
    settings = {name: app.config.get(name) for name in (
        "PUBLICATION_POLICY", "PUBLIC_URL", "TILE_URL", "LANGUAGES", "BABEL_DEFAULT_LOCALE")}
    digest.update(json.dumps([settings, sorted(assets.items())], default=str).encode())
    return digest.hexdigest()


def fingerprints(session, shown):
    """Return {incident id: hash of its row, its institution's row and its history} for the
    incidents matching `shown`, streamed (100k rows held at once would take 200 MB)."""
    history = (select(IncidentHistory.incident_id, func.count().label("n"),
                      func.max(IncidentHistory.id).label("last"))
               .group_by(IncidentHistory.incident_id).subquery())
    place = [column for column in Institution.__table__.c if column.key != "geom"]
    stmt = (select(*Incident.__table__.c, *place, history.c.n, history.c.last)
            .join(Institution, Institution.id == Incident.institution_id)
            .outerjoin(history, history.c.incident_id == Incident.id)
            .where(shown)
            .set_label_style(LABEL_STYLE_TABLENAME_PLUS_COL)
            .execution_options(yield_per=BATCH))
    found = {}
    for rows in session.connection().execute(stmt).partitions():
        for row in rows:
            found[row[0]] = hashlib.sha256(repr(tuple(row)).encode()).hexdigest()[:32]
    return found


def read(root):
    """Return the last manifest ({} when there is none or it is unreadable)."""
    try:
        return json.loads((Path(root) / NAME).read_text())
    except (OSError, ValueError):
        return {}


def write(root, site, prints):
    (Path(root) / NAME).write_text(json.dumps({"site": site, "incidents": prints}))
