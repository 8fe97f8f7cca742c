"""gunicorn settings: sized for 2 cores, and no access log (it would hold client addresses)."""

import os

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


def post_fork(server, worker):
    """Give each worker its own database connections (none may cross a fork)."""
    from mapapp.extensions import db
    from wsgi import app  # already imported by the master (preload_app)

    with app.app_context():
        db.engine.dispose(close=False)
