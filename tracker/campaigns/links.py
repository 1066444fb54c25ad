"""Where each pending item is done: the grid to fill, or the semester's review."""

from __future__ import annotations

from flask import url_for

from tracker.campaigns.service import PendingItem, PendingKind
from tracker.evaluations.views import SLUG_OF


def item_url(item: PendingItem, *, external: bool = False) -> str:
    """One click to where ``item`` is done (absolute for e-mails)."""
    if item.kind == PendingKind.GRID:
        return url_for(
            "evaluations.grid",
            apprenticeship_id=item.apprenticeship_id,
            number=item.semester_number,
            slug=SLUG_OF[item.role],
            _external=external,
        )
    return url_for(
        "evaluations.review",
        apprenticeship_id=item.apprenticeship_id,
        number=item.semester_number,
        _external=external,
    )
