"""gunicorn settings: sized for 2 cores, and no access log (it would hold client addresses)."""

import os
import sys

from gunicorn.glogging import Logger

from mapapp.config import limits_are_shared
from mapapp.security import ScrubAddresses

bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '5000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Rate limits count in the limiter's storage. In memory (the embedded default, no Redis) each
# worker would count on its own and let N times the configured tips, lookups and guesses
# through: then one worker serves, with more threads.
if workers > 1 and not limits_are_shared():
    print("gunicorn.conf.py: no shared rate-limit storage (set REDIS_URL): one worker, so the "
          "limits hold as configured", file=sys.stderr)
    workers = 1
threads = int(os.environ.get("GUNICORN_THREADS", "4" if workers > 1 else "8"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
# Load the app once in the master so every worker shares the limiter's in-memory HMAC seed.
preload_app = True
accesslog = None  # never log requests: an access log is a list of client addresses
errorlog = "-"
loglevel = "warning"


class PrivateLogger(Logger):
    """gunicorn's logger, with client addresses scrubbed from the error log.

    gunicorn writes "Invalid request from ip=..." for malformed requests, with no switch.
    """

    def setup(self, cfg):
        """Set up as usual, then attach the scrubbing filter."""
        super().setup(cfg)
        self.error_log.addFilter(ScrubAddresses())


logger_class = PrivateLogger


def pre_fork(server, worker):
    """Make the caches every worker needs, then settle the master's heap before a worker is
    forked (mapapp/memory.py), so the workers share them."""
    from mapapp.memory import settle_heap
    from mapapp.textsearch import warm

    warm()
    settle_heap()


def post_fork(server, worker):
    """Give each worker its own database connections (none may cross a fork)."""
    from mapapp.extensions import db
    from wsgi import app  # already imported by the master (preload_app)

    with app.app_context():
        db.engine.dispose(close=False)


def when_ready(server):
    """At start, say loudly if the daily purge of decided tips has stopped (production)."""
    from mapapp.extensions import db
    from mapapp.retention import startup_warning
    from wsgi import app

    if app.config["ENV_NAME"] != "production":
        return
    with app.app_context():
        message = startup_warning(db.session)
        db.session.remove()
    if message:
        server.log.warning(message)
