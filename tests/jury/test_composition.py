"""The jury composition rules, as tables: plain members in, what is missing out."""

from __future__ import annotations

import pytest

from tracker.jury.composition import (
    ACADEMIC,
    EMPLOYEE,
    EMPLOYER,
    PROFESSIONAL,
    Family,
    Seat,
    check,
    family_of,
    rule_for,
)

CNAM = "CONSERVATOIRE NATIONAL DES ARTS ET METIERS"
ENSAM = "ECOLE NATIONALE SUPERIEURE D'ARTS ET METIERS (ENSAM)"
UIMM = (
    "Commission paritaire nationale de l’emploi (CPNE) de la métallurgie – Union des "
    "industries et métiers de la métallurgie (UIMM)"
)


@pytest.mark.parametrize(
    ("code", "certifiers", "title", "family"),
    [
        ("RNCP39055", [], "", Family.CNAM),
        ("RNCP39056", [CNAM], "", Family.CNAM),
        ("RNCP39303", [], "", Family.ENSAM),
        ("RNCP39304", [ENSAM], "", Family.ENSAM),
        ("RNCP21806", [], "", Family.CQPM),
        # Other fiches of the same certifiers: told by the certifier's name.
        ("RNCP40000", ["Conservatoire national des arts et métiers"], "", Family.CNAM),
        ("RNCP40001", ["École nationale supérieure d’arts et métiers"], "", Family.ENSAM),
        ("RNCP40002", [UIMM], "", Family.CQPM),
        ("RNCP40003", [], "CQPM Technicien en maintenance", Family.CQPM),
        ("RNCP40004", ["Université de Poitiers"], "Ingénieur", Family.DEFAULT),
        ("RNCPTEST", [], "Certification de test", Family.DEFAULT),
    ],
)
def test_family_of_a_certification(code, certifiers, title, family) -> None:  # type: ignore[no-untyped-def]
    assert family_of(code, certifiers, title) is family


def pro(president: bool = False, head: bool = False) -> Seat:
    return Seat(PROFESSIONAL, None, president, head)


def aca(president: bool = False, head: bool = False) -> Seat:
    return Seat(ACADEMIC, None, president, head)


def chair() -> Seat:
    return aca(president=True, head=True)


def seats(*groups: tuple[int, Seat]) -> list[Seat]:
    return [seat for count, seat in groups for _ in range(count)]


@pytest.mark.parametrize(
    ("members", "missing"),
    [
        # President (the director) + 4 professionals + 4 academics: 9, quorum and parity.
        (seats((1, chair()), (4, pro()), (4, aca())), []),
        (seats((1, chair()), (5, pro()), (5, aca())), []),
        # Parity is counted besides the president.
        (
            seats((1, chair()), (4, pro()), (3, aca())),
            [
                "Parité non respectée (hors président) : 4 professionnel(s) pour 3 "
                "académique(s) ; il manque 1 membre(s) du milieu académique."
            ],
        ),
        (
            seats((1, chair()), (2, pro()), (5, aca())),
            [
                "Parité non respectée (hors président) : 2 professionnel(s) pour 5 "
                "académique(s) ; il manque 3 membre(s) du milieu professionnel."
            ],
        ),
        (
            seats((1, chair()), (3, pro()), (3, aca())),
            [
                "Le jury compte 7 membre(s) : il en faut au moins 8, président compris "
                "(il en manque 1)."
            ],
        ),
        # The president must sit as the director of the EICnam (or their representative).
        (
            seats((1, aca(president=True)), (4, pro()), (4, aca())),
            [
                "Le président doit siéger comme « Directeur de l'EICnam ou son représentant » "
                ": indiquez-le sur sa ligne."
            ],
        ),
        (
            seats((4, pro()), (4, aca())),
            ["Aucun président n'est désigné."],
        ),
        (
            [],
            [
                "Aucun président n'est désigné.",
                "Le jury compte 0 membre(s) : il en faut au moins 8, président compris "
                "(il en manque 8).",
            ],
        ),
    ],
)
def test_cnam_rule(members, missing) -> None:  # type: ignore[no-untyped-def]
    result = check(Family.CNAM, members)
    assert list(result.missing) == missing
    assert result.valid is (not missing)


@pytest.mark.parametrize(
    ("members", "missing"),
    [
        (seats((1, chair()), (2, pro()), (1, aca())), []),
        (seats((1, chair()), (3, pro()), (2, aca())), []),
        # Parity counts the president.
        (
            seats((1, chair()), (2, pro()), (2, aca())),
            [
                "Parité non respectée (président compris) : 2 professionnel(s) pour 3 "
                "académique(s) ; il manque 1 membre(s) du milieu professionnel."
            ],
        ),
        (
            seats((1, chair()), (1, pro())),
            [
                "Le jury compte 2 membre(s) : il en faut au moins 4, président compris "
                "(il en manque 2)."
            ],
        ),
        (
            seats((1, pro(president=True)), (1, pro()), (2, aca())),
            [
                "Le président doit siéger comme « Directeur général de l'ENSAM ou son "
                "représentant » : indiquez-le sur sa ligne."
            ],
        ),
    ],
)
def test_ensam_rule(members, missing) -> None:  # type: ignore[no-untyped-def]
    assert list(check(Family.ENSAM, members).missing) == missing


def employer(president: bool = False) -> Seat:
    return Seat(PROFESSIONAL, EMPLOYER, president)


def employee(president: bool = False) -> Seat:
    return Seat(PROFESSIONAL, EMPLOYEE, president)


@pytest.mark.parametrize(
    ("members", "missing"),
    [
        ([employer(president=True), employee()], []),
        ([employer(president=True), employer(), employee(), employee()], []),
        (
            [employer(president=True), employer(), employee()],
            [
                "Parité non respectée : 2 représentant(s) des employeurs pour 1 "
                "représentant(s) des salariés ; il manque 1 représentant(s) des salariés."
            ],
        ),
        (
            [employee(president=True), employee()],
            [
                "Parité non respectée : 0 représentant(s) des employeurs pour 2 "
                "représentant(s) des salariés ; il manque 2 représentant(s) des employeurs."
            ],
        ),
        (
            [employer(president=True), employee(), Seat(ACADEMIC)],
            [
                "1 membre(s) ne siège(nt) pour aucun collège : indiquez s'il représente les "
                "employeurs ou les salariés."
            ],
        ),
        (
            [],
            [
                "Aucun président n'est désigné.",
                "Il faut au moins un représentant des employeurs et un représentant des salariés.",
            ],
        ),
        # No head of school is asked of a CQPM president.
        ([employee(president=True), employer()], []),
    ],
)
def test_cqpm_rule(members, missing) -> None:  # type: ignore[no-untyped-def]
    assert list(check(Family.CQPM, members).missing) == missing


@pytest.mark.parametrize(
    ("members", "missing"),
    [
        ([aca(president=True), pro(), pro()], []),
        ([pro(president=True), pro(), pro(), pro()], []),  # no parity asked
        (
            [aca(president=True), pro()],
            [
                "Le jury compte 2 membre(s) : il en faut au moins 3, président compris "
                "(il en manque 1)."
            ],
        ),
        ([aca(), pro(), pro()], ["Aucun président n'est désigné."]),
        (
            [aca(president=True), pro(president=True), pro()],
            ["Un seul membre peut présider le jury."],
        ),
    ],
)
def test_default_rule(members, missing) -> None:  # type: ignore[no-untyped-def]
    assert list(check(Family.DEFAULT, members).missing) == missing


@pytest.mark.parametrize(
    ("family", "words", "head", "representation"),
    [
        (Family.CNAM, "quorum de 8 personnes", "Directeur de l'EICnam", False),
        (Family.ENSAM, "au moins 4 membres", "Directeur général de l'ENSAM", False),
        (Family.CQPM, "Jury paritaire de CQPM", None, True),
        (Family.DEFAULT, "au moins 3 membres", None, False),
    ],
)
def test_rule_text_is_french_and_says_the_numbers(family, words, head, representation) -> None:  # type: ignore[no-untyped-def]
    rule = rule_for(family)
    assert words in rule.text
    assert (rule.head_label is None) is (head is None)
    if head:
        assert rule.head_label.startswith(head)
    assert rule.uses_representation is representation
