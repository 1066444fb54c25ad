"""Main navigation: entries shown according to what the signed-in user may do."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, request, url_for
from flask_login import current_user


@dataclass(frozen=True)
class NavEntry:
    endpoint: str
    label: Any  # a lazy translated string
    allowed: Callable[[Any], bool]  # a predicate of tracker.permissions


@dataclass(frozen=True)
class NavItem:
    url: str
    label: str
    current: bool


_ENTRIES: list[NavEntry] = []


def add_entry(endpoint: str, label: Any, allowed: Callable[[Any], bool]) -> None:
    """Called by each domain package when its blueprint is registered."""
    if all(entry.endpoint != endpoint for entry in _ENTRIES):
        _ENTRIES.append(NavEntry(endpoint, label, allowed))


def navigation_items() -> list[NavItem]:
    blueprint = (request.endpoint or "").split(".", 1)[0]
    return [
        NavItem(
            url=url_for(entry.endpoint),
            label=str(entry.label),
            current=entry.endpoint.split(".", 1)[0] == blueprint,
        )
        for entry in _ENTRIES
        if entry.allowed(current_user)
    ]


def register(app: Flask) -> None:
    app.jinja_env.globals["navigation_items"] = navigation_items
