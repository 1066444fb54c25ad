"""The editable text forms of the import review page."""

from __future__ import annotations

import pytest

from tracker.errors import DomainError
from tracker.referentials.records import CompetenceRecord, TrackRecord
from tracker.referentials.review import (
    competences_from_text,
    competences_to_text,
    tracks_from_text,
    tracks_to_text,
)

CODES = ["RNCP1BC01", "RNCP1BC02", "RNCP1BC03"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Concevoir\nFabriquer", [("Concevoir", []), ("Fabriquer", [])]),
        (
            "Concevoir\r\n  o esquisser\r\n\r\nFabriquer",
            [("Concevoir", ["esquisser"]), ("Fabriquer", [])],
        ),
        ("  Concevoir   un   produit  ", [("Concevoir un produit", [])]),
        (
            "organiser les essais\no mesurer\no conclure",
            [("organiser les essais", ["mesurer", "conclure"])],
        ),
    ],
)
def test_competences_from_text(text: str, expected) -> None:  # type: ignore[no-untyped-def]
    assert [(c.statement, c.sub_skills) for c in competences_from_text(text)] == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "au moins une compétence"),
        ("\n  \n", "au moins une compétence"),
        ("o orpheline", "Ligne 1"),
    ],
)
def test_bad_competence_text(text: str, message: str) -> None:
    with pytest.raises(DomainError, match=message):
        competences_from_text(text)


def test_competence_text_round_trip() -> None:
    competences = [CompetenceRecord("A", ["a1", "a2"]), CompetenceRecord("B")]
    assert competences_from_text(competences_to_text(competences)) == competences


def test_tracks_accept_short_and_full_codes_and_keep_descriptions() -> None:
    previous = [TrackRecord("Paris", ["RNCP1BC01"], "Site de Paris")]
    tracks = tracks_from_text("Paris : BC01, rncp1bc03\nLyon: BC02 ; BC03", CODES, previous)
    assert tracks == [
        TrackRecord("Paris", ["RNCP1BC01", "RNCP1BC03"], "Site de Paris"),
        TrackRecord("Lyon", ["RNCP1BC02", "RNCP1BC03"]),
    ]
    assert tracks_from_text(tracks_to_text(tracks), CODES, tracks) == tracks


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "au moins un parcours"), ("Paris BC01", "Ligne 1"), ("Paris : BC09", "BC09")],
)
def test_bad_tracks_text(text: str, message: str) -> None:
    with pytest.raises(DomainError, match=message):
        tracks_from_text(text, CODES, [])
