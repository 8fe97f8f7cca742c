"""Republish the static mirror by itself after every commit that changed incidents
(MIRROR_AUTO with MIRROR_DIR), so a takedown reaches the mirror without anyone remembering to
run `flask publish-static`.

One publisher thread per process: changes that arrive while it runs make it run once more,
not once per change. Across processes (gunicorn workers, the CLI) the folder's lock lets one
write at a time. The thread is not a daemon: a CLI command that hid an entry waits for the
mirror before it exits. A failed run is logged and retried with the next change; the mirror
keeps its previous files.
"""

import logging
import threading

from flask import current_app, has_app_context

log = logging.getLogger(__name__)
_lock = threading.Lock()
_state = {"thread": None, "pending": set()}


def wanted(app):
    """Tell whether this app republishes its mirror after changes."""
    return bool(app.config.get("MIRROR_AUTO") and app.config.get("MIRROR_DIR"))


def incidents_changed():
    """Called after a commit that changed incidents: start (or re-arm) the publisher."""
    if not has_app_context():
        return
    app = current_app._get_current_object()
    if not wanted(app):
        return
    with _lock:
        _state["pending"].add(app)
        if _state["thread"] is None:
            _state["thread"] = threading.Thread(target=_publish_while_pending,
                                                name="mirror-publisher")
            _state["thread"].start()


def _publish_while_pending():
    from mapapp.extensions import db
    from mapapp.mirror import publish

    while True:
        with _lock:
            if not _state["pending"]:
                _state["thread"] = None
                return
            app = _state["pending"].pop()
        with app.app_context():
            try:
                summary = publish(app.config["MIRROR_DIR"])
                log.info("static mirror published: %(changed)s files changed, "
                         "%(removed)s removed in %(seconds)s s", summary)
            except Exception:  # noqa: BLE001  (the next change tries again)
                log.exception("the static mirror could not be published")
            finally:
                db.session.remove()


def wait(seconds=None):
    """Wait until the publisher has nothing left to do (tests; a clean shutdown)."""
    with _lock:
        thread = _state["thread"]
    if thread is not None:
        thread.join(seconds)
