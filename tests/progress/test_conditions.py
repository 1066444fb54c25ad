"""The conditions-of-award rules, as tables: plain values in, plain values out."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.progress.conditions import (
    EnglishEvidence,
    Evidence,
    FinalEvidence,
    Missing,
    MobilityEvidence,
    Note,
    OpinionEvidence,
    Result,
    Status,
    anniversary,
    assess,
    mobility_weeks,
)

V, S, R = Status.VALIDATED, Status.SUBMITTED, Status.REFUSED
TODAY = date(2027, 3, 15)


def english(*certificates: tuple[str, Status] | tuple[str, Status, bool]) -> Evidence:
    return Evidence(english=tuple(EnglishEvidence(*c) for c in certificates))


@pytest.mark.parametrize(
    ("certificates", "met", "missing", "values"),
    [
        ((), False, Missing.NOTHING, {"required": "B2"}),
        ((("B2", V),), True, None, {"level": "B2"}),
        ((("C1", V),), True, None, {"level": "C1"}),
        ((("B1", V), ("C1", V)), True, None, {"level": "C1"}),  # the best counts
        ((("B1", V),), False, Missing.LEVEL_TOO_LOW, {"level": "B1", "required": "B2"}),
        ((("B2", S),), False, Missing.AWAITING_VALIDATION, {"required": "B2"}),
        ((("B2", S, False),), False, Missing.AWAITING_PROOF, {"required": "B2"}),
        ((("B2", S, False), ("C1", S)), False, Missing.AWAITING_VALIDATION, {"required": "B2"}),
        ((("B1", V), ("B2", S)), False, Missing.AWAITING_VALIDATION, {"required": "B2"}),
        ((("B1", S),), False, Missing.LEVEL_TOO_LOW, {"level": "B1", "required": "B2"}),
        ((("B2", R),), False, Missing.REFUSED, {"required": "B2"}),
        ((("B2", R), ("B1", V)), False, Missing.LEVEL_TOO_LOW, {"level": "B1", "required": "B2"}),
        ((("B2", R), ("B2", V)), True, None, {"level": "B2"}),
        ((("Z9", V),), False, Missing.NOTHING, {"required": "B2"}),  # not a CECRL level
    ],
)
def test_english_needs_a_validated_certificate_at_the_level(
    certificates, met, missing, values
) -> None:  # type: ignore[no-untyped-def]
    outcome = assess("english", {"min_level": "B2"}, english(*certificates), TODAY)
    assert outcome.met is met
    assert outcome.missing == missing
    assert dict(outcome.values) == values


def test_english_level_is_read_from_the_requirement() -> None:
    evidence = english(("B2", V))
    assert assess("english", {"min_level": "C1"}, evidence, TODAY).missing == (
        Missing.LEVEL_TOO_LOW
    )
    assert assess("english", {"min_level": "B1"}, evidence, TODAY).met


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "weeks"),
    [
        (date(2026, 6, 1), date(2026, 6, 1), 0),  # one day
        (date(2026, 6, 1), date(2026, 6, 7), 1),  # seven days, both included
        (date(2026, 6, 1), date(2026, 6, 13), 1),  # 13 days: rounded down
        (date(2026, 6, 1), date(2026, 8, 23), 12),  # 84 days
        (date(2026, 6, 1), date(2026, 8, 22), 11),  # 83 days
        (date(2028, 2, 1), date(2028, 2, 29), 4),  # leap year: 29 days
    ],
)
def test_mobility_weeks_are_days_over_seven_rounded_down(starts_on, ends_on, weeks) -> None:  # type: ignore[no-untyped-def]
    assert mobility_weeks(starts_on, ends_on) == weeks


def stay(weeks: int, status: Status, proof: bool = True, start: int = 0) -> MobilityEvidence:
    first = date(2026, 1, 5).toordinal() + start * 7
    return MobilityEvidence(
        date.fromordinal(first), date.fromordinal(first + weeks * 7 - 1), status, proof
    )


@pytest.mark.parametrize(
    ("params", "periods", "met", "missing", "values", "notes"),
    [
        ({"min_weeks": 12}, (), False, Missing.NOTHING, {"missing": 12, "weeks": 0}, ()),
        ({"min_weeks": 12}, (stay(12, V),), True, None, {"weeks": 12}, ()),
        ({"min_weeks": 12}, (stay(6, V), stay(6, V, start=10)), True, None, {"weeks": 12}, ()),
        (
            {"min_weeks": 12},
            (stay(6, V), stay(5, V, start=10)),
            False,
            Missing.WEEKS_SHORT,
            {"weeks": 11, "pending": 0, "missing": 1},
            (),
        ),
        (
            {"min_weeks": 12},
            (stay(6, V), stay(6, S, start=10)),
            False,
            Missing.AWAITING_VALIDATION,
            {"weeks": 6, "pending": 6, "missing": 0},
            (),
        ),
        (
            {"min_weeks": 12},
            (stay(6, V), stay(6, S, proof=False, start=10)),
            False,
            Missing.AWAITING_PROOF,
            {"weeks": 6, "pending": 6},
            (),
        ),
        (
            {"min_weeks": 12},
            (stay(4, S),),
            False,
            Missing.WEEKS_SHORT,
            {"weeks": 0, "pending": 4, "missing": 8},
            (),
        ),
        ({"min_weeks": 12}, (stay(12, R),), False, Missing.REFUSED, {"weeks": 0}, ()),
        ({"min_weeks": 9, "max_weeks": 12}, (stay(9, V),), True, None, {"weeks": 9}, ()),
        (
            {"min_weeks": 9, "max_weeks": 12},
            (stay(14, V),),
            True,
            None,
            {"weeks": 14, "max_weeks": 12},
            (Note.ABOVE_MAX_WEEKS,),
        ),
        (
            {"min_weeks": 9, "max_weeks": 12},
            (stay(8, V), stay(3, R, start=10)),
            False,
            Missing.WEEKS_SHORT,
            {"weeks": 8, "pending": 0, "missing": 1},
            (),
        ),
    ],
)
def test_mobility_adds_up_the_weeks_of_validated_periods(
    params, periods, met, missing, values, notes
) -> None:  # type: ignore[no-untyped-def]
    outcome = assess("mobility", params, Evidence(mobility=periods), TODAY)
    assert outcome.met is met
    assert outcome.missing == missing
    assert {k: outcome.values[k] for k in values} == values
    assert outcome.notes == notes


F = FinalEvidence
REPORT_DAY, DEFENCE_DAY = date(2027, 2, 1), date(2027, 3, 1)


@pytest.mark.parametrize(
    ("final", "report", "defence"),
    [
        (None, Missing.NOTHING, Missing.NOTHING),
        (F(V, REPORT_DAY), None, Missing.NOTHING),
        (F(S, REPORT_DAY), Missing.AWAITING_VALIDATION, Missing.NOTHING),
        (F(R, REPORT_DAY), Missing.REFUSED, Missing.NOTHING),
        (F(V, None, DEFENCE_DAY), Missing.NOTHING, Missing.DEFENCE_SCHEDULED),
        (F(V, REPORT_DAY, DEFENCE_DAY, Result.PASSED), None, None),
        (
            F(S, REPORT_DAY, DEFENCE_DAY, Result.PASSED),
            Missing.AWAITING_VALIDATION,
            Missing.AWAITING_VALIDATION,
        ),
        (F(V, REPORT_DAY, DEFENCE_DAY, Result.FAILED), None, Missing.DEFENCE_FAILED),
        (
            F(S, REPORT_DAY, DEFENCE_DAY, Result.FAILED),
            Missing.AWAITING_VALIDATION,
            Missing.DEFENCE_FAILED,
        ),
        (F(R, REPORT_DAY, DEFENCE_DAY, Result.PASSED), Missing.REFUSED, Missing.REFUSED),
    ],
)
def test_report_and_defence_read_the_validated_final_assessment(final, report, defence) -> None:  # type: ignore[no-untyped-def]
    evidence = Evidence(final=final)
    for kind, expected in (("report", report), ("final_project", report), ("defence", defence)):
        outcome = assess(kind, {}, evidence, TODAY)
        assert outcome.met is (expected is None), kind
        assert outcome.missing == expected, kind


def test_a_scheduled_defence_says_whether_its_day_is_over() -> None:
    coming = assess("defence", {}, Evidence(final=F(V, None, date(2027, 6, 24))), TODAY)
    over = assess("defence", {}, Evidence(final=F(V, None, date(2027, 3, 1))), TODAY)
    assert coming.values == {"on": date(2027, 6, 24), "past": False}
    assert over.values == {"on": date(2027, 3, 1), "past": True}


def opinion(favourable: bool, given_on: date, status: Status) -> OpinionEvidence:
    return OpinionEvidence(favourable, given_on, status)


@pytest.mark.parametrize(
    ("opinions", "met", "missing"),
    [
        ((), False, Missing.NOTHING),
        ((opinion(True, date(2026, 6, 1), V),), True, None),
        ((opinion(True, date(2022, 3, 16), V),), True, None),  # last valid day: 15/03/2027
        ((opinion(True, date(2022, 3, 15), V),), False, Missing.EXPIRED),  # five years old
        ((opinion(False, date(2026, 6, 1), V),), False, Missing.UNFAVOURABLE),
        ((opinion(True, date(2026, 6, 1), S),), False, Missing.AWAITING_VALIDATION),
        ((opinion(False, date(2026, 6, 1), S),), False, Missing.UNFAVOURABLE),
        ((opinion(True, date(2026, 6, 1), R),), False, Missing.REFUSED),
        # The latest validated opinion is the one that counts.
        (
            (opinion(True, date(2025, 6, 1), V), opinion(False, date(2026, 6, 1), V)),
            False,
            Missing.UNFAVOURABLE,
        ),
        ((opinion(False, date(2025, 6, 1), V), opinion(True, date(2026, 6, 1), V)), True, None),
        # A newer favourable opinion waiting for validation, after an unfavourable one.
        (
            (opinion(False, date(2025, 6, 1), V), opinion(True, date(2026, 6, 1), S)),
            False,
            Missing.AWAITING_VALIDATION,
        ),
        # Submitted or refused opinions never undo a validated favourable one.
        ((opinion(True, date(2025, 6, 1), V), opinion(False, date(2026, 6, 1), S)), True, None),
    ],
)
def test_company_opinion_is_the_latest_validated_one_still_valid(opinions, met, missing) -> None:  # type: ignore[no-untyped-def]
    outcome = assess("company_opinion", {"validity_years": 5}, Evidence(opinions=opinions), TODAY)
    assert outcome.met is met
    assert outcome.missing == missing


def test_an_expired_opinion_gives_its_last_valid_day_and_no_limit_without_validity() -> None:
    old = Evidence(opinions=(opinion(True, date(2020, 2, 29), V),))
    outcome = assess("company_opinion", {"validity_years": 5}, old, TODAY)
    assert outcome.values == {"given_on": date(2020, 2, 29), "valid_until": date(2025, 2, 27)}
    assert assess("company_opinion", {}, old, TODAY).met


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (date(2022, 3, 15), 5, date(2027, 3, 15)),
        (date(2024, 2, 29), 1, date(2025, 2, 28)),
        (date(2024, 2, 29), 4, date(2028, 2, 29)),
    ],
)
def test_anniversary(day, years, expected) -> None:  # type: ignore[no-untyped-def]
    assert anniversary(day, years) == expected


def test_an_unknown_kind_is_never_met() -> None:
    outcome = assess("gliding_licence", {}, Evidence(), TODAY)
    assert not outcome.met
    assert outcome.missing == Missing.UNKNOWN_KIND
