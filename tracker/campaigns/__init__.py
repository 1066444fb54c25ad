"""Evaluation campaigns: what each person still has to do for a semester, the programme
manager's follow-up page per cohort semester, and e-mail reminders (page and daily cron)."""
