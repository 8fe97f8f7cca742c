"""WSGI entry point: gunicorn wsgi:app."""

from mapapp import create_app

app = create_app()
