"""Jury dossiers: an apprenticeship's signed progression, work situations, conditions of
award and signatures as one archival PDF (PDF/A-3b, its data attached), with a
verification code on every page and a public page that says whether it still matches the
database; and the one PDF render helper of the app (``render``)."""
