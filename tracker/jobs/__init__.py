"""Background jobs: the jury's dossiers rendered outside web requests.

A job is a row (``models.Job``) with one item per dossier; workers render the items and
record their progress in the database, so any web process shows it and the job outlives
page reloads and web restarts. Jobs run on RQ with Redis when ``REDIS_URL`` is set
(``queue.py``; workers: ``flask --app wsgi jobs worker``), in a local worker process
otherwise (``local.py``). ``tasks.py`` holds what both run: one dossier, then the zip.
"""
