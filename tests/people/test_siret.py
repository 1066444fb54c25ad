"""SIRET normalisation and key check (tracker.people.siret)."""

from __future__ import annotations

import pytest

from tracker.people.siret import is_valid_siret, normalise_siret

VALID = "73282932000074"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("73282932000074", "73282932000074"),
        ("732 829 320 00074", "73282932000074"),
        ("732\u00a0829\u00a0320\u00a000074", "73282932000074"),
        ("732\u202f829\u202f320\u202f00074", "73282932000074"),
        ("732.829.320.00074", "73282932000074"),
        ("732-829-320-00074", "73282932000074"),
        ("  732 829 320-00074\t", "73282932000074"),
        ("", ""),
        ("7328293200007A", "7328293200007A"),
        ("7,3282932E+13", "7,3282932E+13"),
    ],
)
def test_normalise_siret_removes_separators_only(text: str, expected: str) -> None:
    assert normalise_siret(text) == expected


@pytest.mark.parametrize(
    "digits",
    [
        VALID,
        "41285730200019",
        "41285730200027",
        "52391846400018",
        "52391846400026",
        "35600000000048",  # La Poste head office: ordinary Luhn key
        "35600000001000",  # La Poste establishments: digit sum a multiple of 5
        "35600000001005",
        "35600000001014",
        "35600000049837",
    ],
)
def test_valid_sirets(digits: str) -> None:
    assert is_valid_siret(digits)


@pytest.mark.parametrize("position", range(14))
def test_changing_any_digit_breaks_the_key(position: int) -> None:
    changed = str((int(VALID[position]) + 1) % 10)
    digits = VALID[:position] + changed + VALID[position + 1 :]
    assert not is_valid_siret(digits)


@pytest.mark.parametrize(
    "digits",
    [
        "73282932000047",  # last two digits swapped
        "41285730200010",
        "35600000001001",  # La Poste, digit sum 16
        "35600000000014",  # La Poste, valid Luhn key but digit sum 19
        "35600000000049",
    ],
)
def test_invalid_keys(digits: str) -> None:
    assert not is_valid_siret(digits)


@pytest.mark.parametrize(
    "digits",
    [
        "",
        "7328293200007",  # 13 digits
        "732829320000740",  # 15 digits
        "0" * 13,
        "7328293200007A",
        "73282932O00074",  # letter O
        "732 829 320 00074",  # not normalised
        "+3282932000074",
        "\u0667\u0663\u0662\u0668\u0662\u0669\u0663\u0662\u0660\u0660\u0660\u0660\u0667\u0664",
        "７３２８２９３２０００７４",  # full-width digits
    ],
)
def test_wrong_length_or_characters(digits: str) -> None:
    assert not is_valid_siret(digits)
