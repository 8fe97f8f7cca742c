"""The static mirror: the whole public read side as plain files (`flask publish-static DIR`).

Any static host (nginx, an object store, a CDN) can then serve the public map with the
application and its database stopped. The pages are the application's own, rendered through it
with a flag (mirror_page() in templates) and their links mapped to files (links.py); the map
filters in the browser from one compact file of every published point (data.py); assets get
content-hashed names, so a host may keep them for a year. The tip form, correction requests and
the moderators stay on the application: their links point at PUBLIC_URL.

What changed first: the map data and pages, then the pages of the incidents changed most
recently (a takedown reaches the mirror before anything else), then the rest; files of entries
the public may no longer see are deleted before any page is rendered.
"""

import contextvars
import fcntl
import json
import time
from contextlib import contextmanager
from dataclasses import dataclass
from math import ceil
from pathlib import Path

from flask import current_app, has_request_context, request
from sqlalchemy import or_, select

from geodata.regions import region_names
from mapapp.extensions import db
from mapapp.mirror import data, manifest
from mapapp.mirror.files import Output, content_name
from mapapp.mirror.links import Site
from mapapp.models import Incident
from mapapp.payload import get_total
from mapapp.policy import named_clause
from mapapp.queries import IncidentFilter
from mapapp.readmodel import data_version

MIRROR_ENV = "mapapp.mirror"


@dataclass(frozen=True)
class PageMirror:
    """What a page rendered for the mirror is told (None on the application)."""

    prefix: str  # "" for the default language, "/en" for English
    points_url: str
    names_url: str


def mirror_page():
    """Return the PageMirror of the page being rendered for the mirror, or None."""
    return request.environ.get(MIRROR_ENV) if has_request_context() else None


class PublishError(RuntimeError):
    """The application failed to render a page; the mirror keeps its previous files."""


@contextmanager
def _locked(root):
    """One publisher at a time per folder (several workers may ask at once)."""
    Path(root).mkdir(parents=True, exist_ok=True)
    with open(Path(root) / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def publish(root):
    """Write the mirror into `root` (inside an app context); return what was done."""
    started = time.monotonic()
    with _locked(root):
        out = Output(root)
        summary = _Publisher(current_app._get_current_object(), out).run()
    summary["seconds"] = round(time.monotonic() - started, 2)
    return summary


class _Publisher:
    def __init__(self, app, out):
        self.app, self.out = app, out
        self.client = app.test_client(use_cookies=False)
        self.languages = tuple(app.config["LANGUAGES"])
        self.default = app.config["BABEL_DEFAULT_LOCALE"]
        self.site = Site(app.config["PUBLIC_URL"], self.default, self.languages,
                         self._assets())
        self.pages = 0

    def _assets(self):
        """Copy static/ as it is (CSS finds its images by relative path) and under hashed
        names; return the map from each /static/ URL to its hashed path."""
        folder, found = Path(self.app.static_folder), {}
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                relative = path.relative_to(folder).as_posix()
                body = path.read_bytes()
                hashed = f"/static/{content_name(relative, body)}"
                self.out.write(f"/static/{relative}", body)
                self.out.write(hashed, body)
                found[f"/static/{relative}"] = hashed
                if relative == "favicon.ico":  # asked for at the root by browsers and crawlers
                    self.out.write("/favicon.ico", body)
        return found

    def run(self):
        session = db.session
        version = data_version(session)
        pages, popups = self._incidents(session)
        self.site.incidents = set(pages)
        named_total = get_total(session, IncidentFilter(), "named_count")
        self.site.list_pages = max(1, ceil(named_total / _per_page()))
        self._drop_incidents_not_in(self.site.incidents, popups)

        points, names = data.build(session)
        mirrors = {}
        for language in self.languages:
            mirrors[language] = PageMirror(
                self.site.prefix(language), self._data("points.json", points),
                self._data("names.json", names))
        for language in self.languages:
            self._page("/", language, mirrors)
        site = manifest.site_key(self.app, self.site.assets)
        last = manifest.read(self.out.root)
        kept = last.get("incidents", {}) if last.get("site") == site else {}
        prints = manifest.fingerprints(session, _with_page())
        for incident_id in pages:
            files = [f"{self.site.prefix(language)}/incidents/{incident_id}/"
                     for language in self.languages]
            if incident_id in popups:
                files.append(f"/api/v1/incidents/{incident_id}.json")
            if kept.get(str(incident_id)) == prints.get(incident_id) \
                    and all([self.out.keep(name) for name in files]):
                continue  # neither it, its institution, its history nor the site changed
            for language in self.languages:
                self._page(f"/incidents/{incident_id}", language, mirrors)
            if incident_id in popups:
                self._file(f"/api/v1/incidents/{incident_id}", None,
                           f"/api/v1/incidents/{incident_id}.json")
        for language in self.languages:
            for number in range(1, self.site.list_pages + 1):
                self._page("/list", language, mirrors, page=number)
            for path in ("/stats", "/method"):
                self._page(path, language, mirrors)
            self._file("/feed.atom", language, f"{self.site.prefix(language)}/feed.atom")
            self._page("/404", language, mirrors, status=404,
                       target=f"{self.site.prefix(language)}/404.html")
        self._file("/api/v1/regions.geojson", None, "/api/v1/regions.geojson")
        for sido in region_names()[0]:
            self._file("/api/v1/regions.geojson", None, f"/api/v1/regions/{sido}.geojson",
                       sido=sido)
        self._file("/api/v1/openapi.json", None, "/api/v1/openapi.json")
        for name in ("csv", "geojson"):
            self._export(f"/api/v1/incidents.{name}")
        # What this mirror holds, from public data only (the data version also moves when a
        # draft changes, which is nobody's business outside).
        self.out.write("/version.json", json.dumps(
            {"points": mirrors[self.default].points_url, "incident_pages": len(pages),
             "list_pages": self.site.list_pages}, separators=(",", ":")).encode())
        removed = self.out.remove_the_rest()
        manifest.write(self.out.root, site, prints)
        return {"data_version": version, "pages": self.pages, "incident_pages": len(pages),
                "files": len(self.out.written), "changed": self.out.changed,
                "removed": removed}

    def _incidents(self, session):
        """Return (ids with a public page, ids with a popup), most recently changed first."""
        rows = session.execute(select(Incident.id, Incident.status, named_clause())
                               .where(_with_page())
                               .order_by(Incident.updated_at.desc(), Incident.id.desc())).all()
        return [row[0] for row in rows], {row[0] for row in rows
                                          if row[1] == "published" and row[2]}

    def _drop_incidents_not_in(self, pages, popups):
        """Delete, before anything is rendered, the files of entries the public may no
        longer see (the rest of the stale files go at the end). `pages` and `popups` are
        sets: 80,000 files are looked up at 100k incidents."""
        for prefix in (self.site.prefix(language) for language in self.languages):
            folder = self.out.root / prefix.lstrip("/") / "incidents"
            for path in folder.glob("*/index.html*") if folder.exists() else ():
                if not path.parent.name.isdigit() or int(path.parent.name) not in pages:
                    path.unlink()
        folder = self.out.root / "api" / "v1" / "incidents"
        for path in folder.glob("*.json*") if folder.exists() else ():
            if not path.name.split(".")[0].isdigit() or int(path.name.split(".")[0]) \
                    not in popups:
                path.unlink()

    def _data(self, name, body):
        path = f"/data/{content_name(name, body)}"
        self.out.write(path, body)
        return path

    def _get(self, path, language, mirrors=None, **query):
        if language:
            query["lang"] = language
        environ = {MIRROR_ENV: mirrors[language]} if mirrors else {}
        return _apart(self.client.get, path, query_string=query, environ_overrides=environ,
                      headers={"Accept-Encoding": "identity"})

    def _page(self, path, language, mirrors, status=200, target=None, **query):
        answer = self._get(path, language, mirrors, **query)
        if answer.status_code == 404 and status == 200 and path.startswith("/incidents/"):
            return  # changed while publishing: the next run settles it
        _check(answer, path, status)
        number = query.get("page", 1)
        if target is None:
            prefix = self.site.prefix(language)
            target = f"{prefix}{path.rstrip('/')}/" + (f"{number}/" if number > 1 else "")
        self.out.write(target, self.site.rewrite(answer.get_data(as_text=True), language)
                       .encode())
        self.pages += 1

    def _file(self, path, language, target, **query):
        answer = self._get(path, language, **query)
        if answer.status_code == 404 and path.startswith("/api/v1/incidents/"):
            return
        _check(answer, path, 200)
        self.out.write(target, answer.get_data())

    def _export(self, path):
        """An export, taken gzipped from the read model and never held whole."""
        answer = _apart(self.client.get, path, headers={"Accept-Encoding": "gzip"},
                        buffered=False)
        _check(answer, path, 200)
        if answer.headers.get("Content-Encoding") == "gzip":
            self.out.write_gzipped(path, answer.response)
        else:
            self.out.write(path, answer.get_data())
        answer.close()


def _with_page():
    """The incidents with a public page: published and named, hidden or retracted (the
    rule of mapapp/public/incidents.py; a page that answers 404 anyway is skipped)."""
    return or_(Incident.status.in_(("hidden", "retracted")),
               (Incident.status == "published") & named_clause())


def _apart(call, *args, **kwargs):
    """Make a request as if nothing else ran: without this, Flask lends the request the
    publisher's own app context, and its `g` (Flask-Babel keeps the language there) would
    carry the first page's language into every later one."""
    return contextvars.Context().run(call, *args, **kwargs)


def _check(answer, path, status):
    if answer.status_code != status:
        raise PublishError(f"{path}: the application answered {answer.status_code}")


def _per_page():
    from mapapp.public.incidents import PER_PAGE

    return PER_PAGE
