"""The progression rules, as tables: plain values in, plain values out."""

from __future__ import annotations

import pytest

from tracker.progress.rules import (
    BlockState,
    Retained,
    SignedSemester,
    block_status,
    divergence,
    progression,
    readiness,
    retained_levels,
    trajectory,
)

S = SignedSemester


@pytest.mark.parametrize(
    ("signed", "expected"),
    [
        ([], {}),
        ([S(1, {1: 2, 2: None})], {1: Retained(2, 1)}),  # "non observé" is not a level
        ([S(1, {1: 2}), S(2, {1: 3})], {1: Retained(3, 2)}),
        ([S(2, {1: 3}), S(1, {1: 2})], {1: Retained(3, 2)}),  # order of the input irrelevant
        ([S(1, {1: 3}), S(2, {1: None})], {1: Retained(3, 1)}),  # a later "non observé"
        ([S(1, {1: 4}), S(3, {1: 2})], {1: Retained(2, 3)}),  # the latest, even lower
    ],
)
def test_retained_level_is_the_latest_signed_agreed_level(signed, expected) -> None:  # type: ignore[no-untyped-def]
    assert retained_levels(signed) == expected


@pytest.mark.parametrize(
    ("signed", "state", "below", "unrated"),
    [
        ([], BlockState.NOT_RATED, (), (1, 2)),
        ([S(1, {1: None, 2: None})], BlockState.NOT_RATED, (), (1, 2)),
        ([S(1, {1: 3})], BlockState.IN_PROGRESS, (), (2,)),
        ([S(1, {1: 3, 2: 2})], BlockState.IN_PROGRESS, (2,), ()),
        ([S(1, {1: 3, 2: 2}), S(2, {2: 3})], BlockState.ACQUIRED, (), ()),
        # Once at the threshold in a signed semester, a competence stays acquired.
        ([S(1, {1: 3, 2: 4}), S(2, {1: 2, 2: 3})], BlockState.ACQUIRED, (), ()),
        ([S(1, {1: 4, 2: 4})], BlockState.ACQUIRED, (), ()),
    ],
)
def test_block_rule_every_competence_at_threshold_once(signed, state, below, unrated) -> None:  # type: ignore[no-untyped-def]
    status = block_status([1, 2], signed, threshold=3)
    assert status.state == state
    assert status.below == below
    assert status.unrated == unrated


def test_a_reopened_semester_counts_with_its_new_signed_version() -> None:
    # Only the locked (re-signed) version is given to the rules: revision 2 lowered C2.
    first_signature = [S(1, {1: 3, 2: 3})]
    after_reopening = [S(1, {1: 3, 2: 2})]
    assert block_status([1, 2], first_signature, 3).state == BlockState.ACQUIRED
    assert block_status([1, 2], after_reopening, 3).state == BlockState.IN_PROGRESS


@pytest.mark.parametrize(
    ("agreed", "expected_level", "behind", "rated"),
    [
        ({1: 1, 2: 2}, 2, (1,), 2),
        ({1: 2, 2: 3}, 2, (), 2),
        ({1: None, 2: 3}, 2, (), 1),  # "non observé" is neither behind nor ahead
        ({}, 1, (), 0),
    ],
)
def test_gap_to_the_expected_trajectory(agreed, expected_level, behind, rated) -> None:  # type: ignore[no-untyped-def]
    (gap,) = trajectory([S(3, agreed)], {3: expected_level})
    assert gap.semester == 3
    assert gap.behind == behind
    assert gap.rated == rated
    assert gap.on_track is (not behind)


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ([], None),
        ([3], None),
        ([3, None, None], None),
        ([3, 3, 3], 0),
        ([1, 3, 2], 2),
        ([4, None, 1], 3),
    ],
)
def test_divergence_between_raters(levels, expected) -> None:  # type: ignore[no-untyped-def]
    assert divergence(levels) == expected


def test_progression_counts_competences_at_threshold_and_not_rated_is_none() -> None:
    retained = {1: Retained(3, 2), 2: Retained(2, 2)}
    result = progression([1, 2, 3, 4], retained, threshold=3)
    assert (result.acquired, result.total, result.share) == (1, 4, 0.25)
    assert progression([], {}, 3).share is None


def test_readiness_lists_what_is_missing() -> None:
    acquired = block_status([1], [S(1, {1: 3})], 3)
    pending = block_status([2], [S(1, {2: 2})], 3)
    result = readiness({"BC01": acquired, "BC02": pending}, {"Anglais B2": True, "Mobilité": False})
    assert not result.ready
    assert result.blocks_missing == ("BC02",)
    assert result.requirements_missing == ("Mobilité",)
    assert readiness({"BC01": acquired}, {"Anglais B2": True}).ready
