"""SIRET numbers: the 14-digit identifier of a company's establishment (INSEE).

A SIRET is the 9-digit SIREN of the company followed by a 5-digit establishment number
(NIC). Its last digit is a Luhn key over the 14 digits, with one documented exception: the
establishments of La Poste (SIREN 356 000 000) are too many for the NIC to carry a Luhn
key, so their SIRET is valid when the sum of its 14 digits is a multiple of 5. The head
office of La Poste, 356 000 000 00048, keeps an ordinary Luhn key.
"""

from __future__ import annotations

import re

SIRET_LENGTH = 14
LA_POSTE_SIREN = "356000000"
LA_POSTE_HEAD_OFFICE = "35600000000048"

# Spreadsheets and people write SIRETs grouped: "732 829 320 00074", "732.829.320-00074",
# with ordinary, non-breaking or narrow non-breaking spaces (\s covers all of them).
_SEPARATORS_RE = re.compile(r"[\s.\-]+")


def normalise_siret(text: str) -> str:
    """``text`` without its spaces (of any kind), dots and hyphens; nothing else changes,
    so a result that is not 14 digits is an invalid SIRET."""
    return _SEPARATORS_RE.sub("", text)


def is_valid_siret(digits: str) -> bool:
    """True when ``digits`` is exactly 14 ASCII digits with a valid key (see the module
    docstring for La Poste). ``digits`` must already be normalised."""
    if len(digits) != SIRET_LENGTH or not (digits.isascii() and digits.isdigit()):
        return False
    if digits.startswith(LA_POSTE_SIREN) and digits != LA_POSTE_HEAD_OFFICE:
        return sum(int(digit) for digit in digits) % 5 == 0
    return _luhn_valid(digits)


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0
