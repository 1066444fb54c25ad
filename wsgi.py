"""WSGI entry point: ``gunicorn wsgi:app`` in production, ``flask --app wsgi ...`` everywhere."""

import gc

from tracker import create_app

app = create_app()

# What start-up built (modules, compiled templates, mappers) lives as long as the process:
# freezing it keeps every full garbage collection from scanning it again, which made the
# slowest requests of a 500-apprentice dashboard twice as slow as the median (see bench).
gc.freeze()
