"""Progression: pure functions over plain values (no Flask, no session)."""
