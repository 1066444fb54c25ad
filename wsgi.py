"""WSGI entry point: ``gunicorn wsgi:app`` in production, ``flask --app wsgi ...`` everywhere."""

from tracker import create_app

app = create_app()
