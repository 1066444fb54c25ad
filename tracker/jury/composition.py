"""The composition rules of a certification's jury, as pure functions over plain values.

No database, no request: the service hands the members of a session as ``Seat`` values
and gets back what is missing, in French (``tracker.i18n`` falls back to the French source
text outside an application). The rule depends on the certification's family, told by its
code, its certifiers and its title (``family_of``):

- Cnam (RNCP39055, RNCP39056): chaired by the director of the EICnam or their
  representative (the president is marked so); besides the president, as many
  professionals as academics; a quorum of eight people, the president included.
- Arts et Métiers (ENSAM; RNCP39303, RNCP39304): chaired by the director general of the
  ENSAM or their representative; as many professionals (the socio-economic world) as
  academics (teachers and researchers), the president included; at least four members.
- CQPM (UIMM, CPNE de la métallurgie; RNCP21806): a joint jury: every member sits for the
  employers or for the employees, as many of each, one of them presiding.
- Any other certification: a president and at least three members, the president included.

Every message names what is missing, so that the programme manager knows whom to add.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from tracker.i18n import _


class Family(StrEnum):
    CNAM = "cnam"
    ENSAM = "ensam"
    CQPM = "cqpm"
    DEFAULT = "default"


# The seed certifications, whatever their certifiers say.
KNOWN_CODES = {
    "RNCP39055": Family.CNAM,
    "RNCP39056": Family.CNAM,
    "RNCP39303": Family.ENSAM,
    "RNCP39304": Family.ENSAM,
    "RNCP21806": Family.CQPM,
}
CNAM_QUORUM = 8
ENSAM_MINIMUM = 4
DEFAULT_MINIMUM = 3

PROFESSIONAL = "professional"
ACADEMIC = "academic"
EMPLOYER = "employer"
EMPLOYEE = "employee"


def _plain(text: str) -> str:
    """Upper case without accents nor typographic apostrophes, to compare names."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("’", "'").upper()


def family_of(code: str, certifiers: Iterable[str] = (), title: str = "") -> Family:
    """The family of rules of a certification: the seed codes first, then the certifier
    (the Cnam before Arts et Métiers: "Conservatoire national des arts et métiers" holds
    both names), then a CQP of the metal industry by its certifier or title."""
    if code in KNOWN_CODES:
        return KNOWN_CODES[code]
    names = [_plain(name) for name in certifiers]
    if any("CONSERVATOIRE NATIONAL DES ARTS ET METIERS" in n or "CNAM" in n for n in names):
        return Family.CNAM
    if any("ENSAM" in n or "ARTS ET METIERS" in n for n in names):
        return Family.ENSAM
    plain_title = _plain(title)
    if (
        any("UIMM" in n or "METALLURGIE" in n for n in names)
        or "CQPM" in plain_title
        or plain_title.startswith("CQP")
    ):
        return Family.CQPM
    return Family.DEFAULT


@dataclass(frozen=True)
class Seat:
    """A member as the rules see them."""

    kind: str  # professional | academic
    representation: str | None = None  # employer | employee (CQPM), or None
    is_president: bool = False
    represents_head: bool = False


@dataclass(frozen=True)
class Rule:
    family: Family
    text: str  # the rule in French, shown on the page and printed on the procès-verbal
    # What marking the president as the head of the school means ("directeur de l'EICnam
    # ou son représentant"), None when the rule asks nothing of the kind.
    head_label: str | None
    uses_representation: bool  # members sit for the employers or the employees (CQPM)


def rule_for(family: Family) -> Rule:
    if family is Family.CNAM:
        return Rule(
            family,
            _(
                "Jury du Cnam : présidé par le directeur de l'École d'ingénieurs du Cnam "
                "(EICnam) ou son représentant ; en plus du président, autant de personnalités "
                "du milieu professionnel que du milieu académique ; quorum de %(n)s personnes, "
                "président compris.",
                n=CNAM_QUORUM,
            ),
            _("Directeur de l'EICnam ou son représentant"),
            False,
        )
    if family is Family.ENSAM:
        return Rule(
            family,
            _(
                "Jury d'Arts et Métiers : présidé par le directeur général de l'ENSAM ou son "
                "représentant ; autant de représentants du monde socio-économique "
                "(professionnels) que d'enseignants ou enseignants-chercheurs (académiques), "
                "président compris ; au moins %(n)s membres.",
                n=ENSAM_MINIMUM,
            ),
            _("Directeur général de l'ENSAM ou son représentant"),
            False,
        )
    if family is Family.CQPM:
        return Rule(
            family,
            _(
                "Jury paritaire de CQPM : chaque membre siège pour le collège des employeurs "
                "ou pour celui des salariés, avec autant de représentants de chaque collège ; "
                "l'un d'eux préside."
            ),
            None,
            True,
        )
    return Rule(
        family,
        _(
            "Règle générale (la certification n'en précise pas d'autre ici) : un président et "
            "au moins %(n)s membres, président compris.",
            n=DEFAULT_MINIMUM,
        ),
        None,
        False,
    )


@dataclass(frozen=True)
class Composition:
    rule: Rule
    missing: tuple[str, ...]  # what is missing, in French; empty when the jury is complete

    @property
    def valid(self) -> bool:
        return not self.missing


def check(family: Family, seats: Sequence[Seat]) -> Composition:
    """Check the members of a session against the rule of ``family``."""
    rule = rule_for(family)
    missing: list[str] = []
    presidents = [s for s in seats if s.is_president]
    if not presidents:
        missing.append(_("Aucun président n'est désigné."))
    elif len(presidents) > 1:
        missing.append(_("Un seul membre peut présider le jury."))
    elif rule.head_label is not None and not presidents[0].represents_head:
        missing.append(
            _(
                "Le président doit siéger comme « %(head)s » : indiquez-le sur sa ligne.",
                head=rule.head_label,
            )
        )
    if family is Family.CNAM:
        missing += _parity([s for s in seats if not s.is_president], _("hors président"))
        if len(seats) < CNAM_QUORUM:
            missing.append(_quorum(len(seats), CNAM_QUORUM))
    elif family is Family.ENSAM:
        missing += _parity(seats, _("président compris"))
        if len(seats) < ENSAM_MINIMUM:
            missing.append(_quorum(len(seats), ENSAM_MINIMUM))
    elif family is Family.CQPM:
        missing += _colleges(seats)
    elif len(seats) < DEFAULT_MINIMUM:
        missing.append(_quorum(len(seats), DEFAULT_MINIMUM))
    return Composition(rule, tuple(missing))


def _quorum(count: int, required: int) -> str:
    return _(
        "Le jury compte %(count)s membre(s) : il en faut au moins %(required)s, président "
        "compris (il en manque %(n)s).",
        count=count,
        required=required,
        n=required - count,
    )


def _parity(seats: Sequence[Seat], scope: str) -> list[str]:
    professionals = sum(1 for s in seats if s.kind == PROFESSIONAL)
    academics = sum(1 for s in seats if s.kind == ACADEMIC)
    if professionals == academics:
        return []
    if professionals > academics:
        lacking = _("il manque %(n)s membre(s) du milieu académique", n=professionals - academics)
    else:
        lacking = _(
            "il manque %(n)s membre(s) du milieu professionnel", n=academics - professionals
        )
    return [
        _(
            "Parité non respectée (%(scope)s) : %(pro)s professionnel(s) pour %(aca)s "
            "académique(s) ; %(lacking)s.",
            scope=scope,
            pro=professionals,
            aca=academics,
            lacking=lacking,
        )
    ]


def _colleges(seats: Sequence[Seat]) -> list[str]:
    missing = []
    unassigned = sum(1 for s in seats if s.representation not in (EMPLOYER, EMPLOYEE))
    if unassigned:
        missing.append(
            _(
                "%(n)s membre(s) ne siège(nt) pour aucun collège : indiquez s'il représente "
                "les employeurs ou les salariés.",
                n=unassigned,
            )
        )
    employers = sum(1 for s in seats if s.representation == EMPLOYER)
    employees = sum(1 for s in seats if s.representation == EMPLOYEE)
    if employers == employees == 0:
        missing.append(
            _("Il faut au moins un représentant des employeurs et un représentant des salariés.")
        )
    elif employers != employees:
        if employers > employees:
            lacking = _("il manque %(n)s représentant(s) des salariés", n=employers - employees)
        else:
            lacking = _("il manque %(n)s représentant(s) des employeurs", n=employees - employers)
        missing.append(
            _(
                "Parité non respectée : %(employers)s représentant(s) des employeurs pour "
                "%(employees)s représentant(s) des salariés ; %(lacking)s.",
                employers=employers,
                employees=employees,
                lacking=lacking,
            )
        )
    return missing
