"""gunicorn settings: sized for 2 cores, and no access log (it would hold client addresses)."""

import os

from gunicorn.glogging import Logger

from mapapp.security import ScrubAddresses

bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '5000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
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


def post_fork(server, worker):
    """Give each worker its own database connections (none may cross a fork)."""
    from mapapp.extensions import db
    from wsgi import app  # already imported by the master (preload_app)

    with app.app_context():
        db.engine.dispose(close=False)
