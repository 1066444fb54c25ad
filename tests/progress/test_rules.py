"""The progression rules, as tables: plain values in, plain values out."""

from __future__ import annotations

import pytest

from tracker.progress.rules import (
    BlockState,
    SignedSemester,
    Standing,
    behind_now,
    block_state,
    block_status,
    divergence,
    progression,
    readiness,
    standings,
    trajectory,
)

S = SignedSemester


def blocks(signed, competence_ids=(1, 2), threshold=3):  # type: ignore[no-untyped-def]
    return block_status(list(competence_ids), standings(signed), threshold)


@pytest.mark.parametrize(
    ("signed", "expected"),
    [
        ([], {}),
        ([S(1, {1: 2, 2: None})], {1: Standing(2, 1, 2, 1)}),  # "non observé" is no level
        ([S(1, {1: 2}), S(2, {1: 3})], {1: Standing(3, 2, 3, 2)}),
        ([S(2, {1: 3}), S(1, {1: 2})], {1: Standing(3, 2, 3, 2)}),  # input order irrelevant
        ([S(1, {1: 3}), S(2, {1: None})], {1: Standing(3, 1, 3, 1)}),  # a later "non observé"
        ([S(1, {1: 4}), S(3, {1: 2})], {1: Standing(2, 3, 4, 1)}),  # the latest, even lower
        ([S(1, {1: 3}), S(2, {1: 3})], {1: Standing(3, 2, 3, 1)}),  # best: first to reach it
    ],
)
def test_retained_level_is_the_latest_signed_agreed_level(signed, expected) -> None:  # type: ignore[no-untyped-def]
    assert standings(signed) == expected


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
    status = blocks(signed)
    assert status.state == state
    assert status.below == below
    assert status.unrated == unrated


def test_a_reopened_semester_counts_with_its_new_signed_version() -> None:
    # Only the locked (re-signed) version is given to the rules: revision 2 lowered C2.
    first_signature = [S(1, {1: 3, 2: 3})]
    after_reopening = [S(1, {1: 3, 2: 2})]
    assert blocks(first_signature).state == BlockState.ACQUIRED
    assert blocks(after_reopening).state == BlockState.IN_PROGRESS


def test_a_track_is_rated_on_its_own_blocks_only() -> None:
    # Competence 9 belongs to a block outside the cohort's track: its level changes nothing.
    signed = [S(1, {1: 3, 2: 3, 9: 1})]
    assert blocks(signed).state == BlockState.ACQUIRED
    assert progression([1, 2], standings(signed), 3).acquired == 2


def test_a_change_of_tutor_keeps_the_semesters_signed_before_it() -> None:
    # S1-S2 were signed with the first company tutor, S3 with the next one: the rules read
    # signed semesters, not people, so the earlier levels still count.
    signed = [S(1, {1: 2, 2: 3}), S(2, {1: 3}), S(3, {2: None})]
    assert standings(signed)[2] == Standing(3, 1, 3, 1)
    assert blocks(signed).state == BlockState.ACQUIRED


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
    standing = standings([S(1, {1: 3, 2: 2}), S(2, {1: 2, 3: None})])
    result = progression([1, 2, 3, 4], standing, threshold=3)
    # Competence 1 reached 3 in S1 (then 2): acquired once, acquired for good.
    assert (result.acquired, result.total, result.share) == (1, 4, 0.25)
    assert progression([], {}, 3).share is None


@pytest.mark.parametrize(
    ("signed", "expected_level", "behind"),
    [
        ([], 2, ()),
        ([S(1, {1: 1, 2: 2})], 2, (1,)),
        ([S(1, {1: 1}), S(2, {1: 2})], 2, ()),
        ([S(1, {1: 1}), S(2, {1: None})], 2, (1,)),  # retained level 1 from S1
        ([S(1, {1: None, 2: None})], 3, ()),  # not rated is not behind
    ],
)
def test_behind_now_reads_the_retained_level(signed, expected_level, behind) -> None:  # type: ignore[no-untyped-def]
    assert behind_now([1, 2], standings(signed), expected_level) == behind


def test_readiness_lists_what_is_missing() -> None:
    acquired = blocks([S(1, {1: 3})], [1])
    pending = blocks([S(1, {2: 2})], [2])
    result = readiness({"BC01": acquired, "BC02": pending}, {"Anglais B2": True, "Mobilité": False})
    assert not result.ready
    assert result.blocks_missing == ("BC02",)
    assert result.requirements_missing == ("Mobilité",)
    assert readiness({"BC01": acquired}, {"Anglais B2": True}).ready


@pytest.mark.parametrize(
    ("total", "rated", "below", "state"),
    [
        (3, 0, 0, BlockState.NOT_RATED),
        (3, 3, 0, BlockState.ACQUIRED),
        (3, 3, 1, BlockState.IN_PROGRESS),
        (3, 2, 0, BlockState.IN_PROGRESS),
    ],
)
def test_block_rule_on_counts_agrees_with_the_rule_on_levels(total, rated, below, state) -> None:  # type: ignore[no-untyped-def]
    assert block_state(total, rated, below) == state
