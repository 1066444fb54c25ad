"""Conditions of award ("conditions de délivrance"), as pure functions over plain values.

No Flask, no database: the service reads the evidence of a contract, hands plain values to
``assess`` and words the outcome. Only validated evidence meets a requirement; evidence
waiting for validation, refused or short of the requirement is reported as what is
missing, as a code with its values (the French sentence is built by the caller).

The rules, one per requirement kind:

- ``english`` ({"min_level": "B2"}): met when a validated certificate attests a CECRL level
  at or above ``min_level`` (the best certificate counts; certificates do not expire).
- ``mobility`` ({"min_weeks": 12} or {"min_weeks": 9, "max_weeks": 12}): met when the weeks
  of the validated periods add up to ``min_weeks`` at least. A period's weeks are its days,
  first and last included, divided by 7 and rounded down (``mobility_weeks``); periods
  never overlap (the service refuses it), so their weeks add up. More than ``max_weeks``
  still meets the requirement, with a note.
- ``report`` and ``final_project``: met when the validated final assessment gives the day
  the report was submitted.
- ``defence``: met when the validated final assessment says the defence was passed.
- ``company_opinion`` ({"validity_years": 5}): met when the latest validated opinion is
  favourable and still valid: an opinion given on a day is valid until the day before its
  ``validity_years``-th anniversary (no limit without ``validity_years``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from tracker.referentials.records import CECRL_LEVELS


class Status(StrEnum):
    SUBMITTED = "submitted"
    VALIDATED = "validated"
    REFUSED = "refused"


class Result(StrEnum):
    PENDING = "pending"
    PASSED = "passed"
    FAILED = "failed"


class Missing(StrEnum):
    """Why a requirement is not met (values given with it in ``Outcome.values``)."""

    NOTHING = "nothing"  # no evidence at all
    AWAITING_PROOF = "awaiting_proof"  # evidence that would do, but without its proof
    AWAITING_VALIDATION = "awaiting_validation"  # evidence that would do, not validated yet
    REFUSED = "refused"  # only refused evidence
    LEVEL_TOO_LOW = "level_too_low"  # level, required
    WEEKS_SHORT = "weeks_short"  # weeks (validated), pending, required, missing
    DEFENCE_SCHEDULED = "defence_scheduled"  # on, past (the day is over, no result yet)
    DEFENCE_FAILED = "defence_failed"  # on
    UNFAVOURABLE = "unfavourable"  # given_on, validated
    EXPIRED = "expired"  # given_on, valid_until (its last valid day)
    UNKNOWN_KIND = "unknown_kind"


class Note(StrEnum):
    """Something worth saying about a met requirement."""

    ABOVE_MAX_WEEKS = "above_max_weeks"  # weeks, max_weeks


@dataclass(frozen=True)
class Outcome:
    met: bool
    missing: Missing | None = None
    values: Mapping[str, object] = field(default_factory=dict)
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True)
class EnglishEvidence:
    level: str  # CECRL, A1..C2
    status: Status
    has_proof: bool = True


def mobility_weeks(starts_on: date, ends_on: date) -> int:
    """Whole weeks of a stay: its days, first and last included, divided by 7 and rounded
    down (from Monday 2 June to Sunday 24 August: 84 days, 12 weeks)."""
    return max(0, ((ends_on - starts_on).days + 1) // 7)


@dataclass(frozen=True)
class MobilityEvidence:
    starts_on: date
    ends_on: date
    status: Status
    has_proof: bool = True

    @property
    def weeks(self) -> int:
        return mobility_weeks(self.starts_on, self.ends_on)


@dataclass(frozen=True)
class FinalEvidence:
    status: Status
    report_submitted_on: date | None = None
    defence_on: date | None = None
    result: Result = Result.PENDING


@dataclass(frozen=True)
class OpinionEvidence:
    favourable: bool
    given_on: date
    status: Status


@dataclass(frozen=True)
class Evidence:
    """Everything recorded for one contract (refused records included)."""

    english: tuple[EnglishEvidence, ...] = ()
    mobility: tuple[MobilityEvidence, ...] = ()
    final: FinalEvidence | None = None
    opinions: tuple[OpinionEvidence, ...] = ()


MET = Outcome(met=True)


def _missing(why: Missing, /, **values: object) -> Outcome:
    return Outcome(met=False, missing=why, values=values)


def assess(kind: str, params: Mapping[str, object], evidence: Evidence, today: date) -> Outcome:
    """Whether the requirement of ``kind`` (with its ``params``) is met by ``evidence`` on
    ``today``, and otherwise what is missing (see the module's rules)."""
    if kind == "english":
        return english(str(params.get("min_level", "B2")), evidence.english)
    if kind == "mobility":
        low = params.get("min_weeks")
        high = params.get("max_weeks")
        return mobility(
            low if isinstance(low, int) else 0,
            high if isinstance(high, int) else None,
            evidence.mobility,
        )
    if kind in ("report", "final_project"):
        return report(evidence.final)
    if kind == "defence":
        return defence(evidence.final, today)
    if kind == "company_opinion":
        years = params.get("validity_years")
        return company_opinion(
            evidence.opinions, today, years if isinstance(years, int) and years > 0 else None
        )
    return _missing(Missing.UNKNOWN_KIND)


def _rank(level: str) -> int:
    return CECRL_LEVELS.index(level) if level in CECRL_LEVELS else -1


def english(required: str, certificates: Iterable[EnglishEvidence]) -> Outcome:
    """Met by a validated certificate at ``required`` or above. Otherwise, in this order:
    one at that level waiting for validation (or for its proof), the best level recorded
    when it is too low, only refused certificates, nothing."""
    need = _rank(required)
    known = [c for c in certificates if _rank(c.level) >= 0]
    validated = [c for c in known if c.status == Status.VALIDATED]
    if any(_rank(c.level) >= need for c in validated):
        best = max((c.level for c in validated), key=_rank)
        return Outcome(met=True, values={"level": best})
    waiting = [c for c in known if c.status == Status.SUBMITTED and _rank(c.level) >= need]
    if waiting:
        if any(c.has_proof for c in waiting):
            return _missing(Missing.AWAITING_VALIDATION, required=required)
        return _missing(Missing.AWAITING_PROOF, required=required)
    standing = [c for c in known if c.status != Status.REFUSED]
    if standing:
        best = max((c.level for c in standing), key=_rank)
        return _missing(Missing.LEVEL_TOO_LOW, level=best, required=required)
    if any(c.status == Status.REFUSED for c in certificates):
        return _missing(Missing.REFUSED, required=required)
    return _missing(Missing.NOTHING, required=required)


def mobility(min_weeks: int, max_weeks: int | None, periods: Iterable[MobilityEvidence]) -> Outcome:
    """Met when the validated periods add up to ``min_weeks``; more than ``max_weeks`` is
    noted, not refused. Otherwise: enough weeks waiting for validation (or for their
    proofs), the weeks still missing, only refused periods, nothing."""
    periods = list(periods)
    validated = sum(p.weeks for p in periods if p.status == Status.VALIDATED)
    if validated >= min_weeks and (validated > 0 or min_weeks == 0):
        notes = (Note.ABOVE_MAX_WEEKS,) if max_weeks is not None and validated > max_weeks else ()
        return Outcome(met=True, values={"weeks": validated, "max_weeks": max_weeks}, notes=notes)
    waiting = [p for p in periods if p.status == Status.SUBMITTED]
    pending = sum(p.weeks for p in waiting)
    values = {
        "weeks": validated,
        "pending": pending,
        "required": min_weeks,
        "missing": max(0, min_weeks - validated - pending),
    }
    if waiting and validated + pending >= min_weeks:
        with_proof = sum(p.weeks for p in waiting if p.has_proof)
        if validated + with_proof >= min_weeks:
            return _missing(Missing.AWAITING_VALIDATION, **values)
        return _missing(Missing.AWAITING_PROOF, **values)
    if validated or waiting:
        return _missing(Missing.WEEKS_SHORT, **values)
    if periods:
        return _missing(Missing.REFUSED, **values)
    return _missing(Missing.NOTHING, **values)


def _reviewed(final: FinalEvidence) -> Outcome | None:
    if final.status == Status.REFUSED:
        return _missing(Missing.REFUSED)
    if final.status == Status.SUBMITTED:
        return _missing(Missing.AWAITING_VALIDATION)
    return None


def report(final: FinalEvidence | None) -> Outcome:
    """Met when the validated final assessment gives the day the report was submitted."""
    if final is None or final.report_submitted_on is None:
        return _missing(Missing.NOTHING)
    return _reviewed(final) or Outcome(met=True, values={"on": final.report_submitted_on})


def defence(final: FinalEvidence | None, today: date) -> Outcome:
    """Met when the validated final assessment says the defence was passed. A defence
    with no result yet is "scheduled" (``past`` once its day is over), a failed one is
    said so, whether validated or not."""
    if final is None or final.defence_on is None:
        return _missing(Missing.NOTHING)
    if final.status == Status.REFUSED:
        return _missing(Missing.REFUSED)
    if final.result == Result.FAILED:
        return _missing(Missing.DEFENCE_FAILED, on=final.defence_on)
    if final.result == Result.PENDING:
        return _missing(
            Missing.DEFENCE_SCHEDULED, on=final.defence_on, past=final.defence_on < today
        )
    return _reviewed(final) or Outcome(met=True, values={"on": final.defence_on})


def anniversary(day: date, years: int) -> date:
    """The same day ``years`` later (29 February gives 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def company_opinion(
    opinions: Iterable[OpinionEvidence], today: date, validity_years: int | None
) -> Outcome:
    """Met when the latest validated opinion is favourable and valid on ``today`` (valid
    until the day before its ``validity_years``-th anniversary). Otherwise: a newer
    favourable opinion waiting for validation, the latest opinion unfavourable, the
    favourable one expired, only refused opinions, nothing."""
    opinions = sorted(opinions, key=lambda o: o.given_on)

    def valid_until(opinion: OpinionEvidence) -> date | None:
        if validity_years is None:
            return None
        return anniversary(opinion.given_on, validity_years) - timedelta(days=1)

    def still_valid(opinion: OpinionEvidence) -> bool:
        until = valid_until(opinion)
        return until is None or today <= until

    validated = [o for o in opinions if o.status == Status.VALIDATED]
    latest = validated[-1] if validated else None
    if latest is not None and latest.favourable and still_valid(latest):
        return Outcome(
            met=True, values={"given_on": latest.given_on, "valid_until": valid_until(latest)}
        )
    newer = [
        o
        for o in opinions
        if o.status == Status.SUBMITTED and (latest is None or o.given_on >= latest.given_on)
    ]
    if any(o.favourable and still_valid(o) for o in newer):
        return _missing(Missing.AWAITING_VALIDATION)
    if latest is not None and not latest.favourable:
        return _missing(Missing.UNFAVOURABLE, given_on=latest.given_on, validated=True)
    if latest is not None:
        return _missing(Missing.EXPIRED, given_on=latest.given_on, valid_until=valid_until(latest))
    if newer:
        return _missing(Missing.UNFAVOURABLE, given_on=newer[-1].given_on, validated=False)
    if opinions:
        return _missing(Missing.REFUSED)
    return _missing(Missing.NOTHING)
