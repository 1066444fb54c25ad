"""Who may do what in a jury session: the pure predicates of tracker.permissions."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tracker.auth.models import Role
from tracker.permissions import (
    may_close_jury_session,
    may_list_jury_sessions,
    may_manage_jury,
    may_record_decisions,
    may_view_jury_session,
)


@dataclass
class Person:
    roles: set[Role] = field(default_factory=set)
    id: int = 1
    is_authenticated: bool = True

    def has_role(self, role: Role) -> bool:
        return role in self.roles


@dataclass
class Session:
    closed: bool = False


MANAGER, JURY = Person({Role.MANAGER}), Person({Role.JURY})
TUTOR, APPRENTICE = Person({Role.ACADEMIC_TUTOR}), Person({Role.APPRENTICE})


@pytest.mark.parametrize(
    ("user", "manage", "listing"),
    [(MANAGER, True, True), (JURY, False, True), (TUTOR, False, False), (APPRENTICE, False, False)],
)
def test_role_gates(user, manage, listing) -> None:  # type: ignore[no-untyped-def]
    assert may_manage_jury(user) is manage
    assert may_list_jury_sessions(user) is listing


@pytest.mark.parametrize(
    ("user", "member", "expected"),
    [
        (MANAGER, False, True),
        (JURY, True, True),
        (JURY, False, False),
        (TUTOR, True, False),  # a seat without the jury role reads nothing
    ],
)
def test_who_reads_a_session(user, member, expected) -> None:  # type: ignore[no-untyped-def]
    assert may_view_jury_session(user, Session(), member) is expected


@pytest.mark.parametrize(
    ("user", "president", "closed", "expected"),
    [
        (MANAGER, False, False, True),
        (MANAGER, False, True, False),
        (JURY, True, False, True),
        (JURY, True, True, False),
        (JURY, False, False, False),
        (TUTOR, True, False, False),
    ],
)
def test_who_records_and_closes(user, president, closed, expected) -> None:  # type: ignore[no-untyped-def]
    assert may_record_decisions(user, Session(closed), president) is expected
    assert may_close_jury_session(user, Session(closed), president) is expected
