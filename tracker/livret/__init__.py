"""The livret: an apprentice's progression read from the signed semesters, and the cohort
dashboard built from the same figures (the rules themselves are in ``tracker.progress``)."""
