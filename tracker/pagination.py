"""Paging of long lists that are filtered and sorted in Python (dashboards of hundreds of
apprentices): the whole list is computed, then only one page of it is rendered, since
rendering, not computing, is what costs at that size."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

PER_PAGE = 50


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    number: int  # 1-based, within 1..pages
    pages: int  # at least 1, even for an empty list
    total: int  # items in the whole list


def paginate(items: Sequence[T], requested: int | None, per_page: int | None = None) -> Page[T]:
    """Page ``requested`` of ``items`` (``PER_PAGE`` a page unless ``per_page``); a page
    out of range (or none) gives the nearest."""
    per_page = per_page or PER_PAGE
    pages = max(1, -(-len(items) // per_page))
    number = min(max(1, requested or 1), pages)
    start = (number - 1) * per_page
    return Page(items[start : start + per_page], number, pages, len(items))
