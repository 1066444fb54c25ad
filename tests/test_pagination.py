from __future__ import annotations

import pytest

from tracker.pagination import paginate

ITEMS = list(range(1, 8))  # 7 items, 3 a page: pages [1-3] [4-6] [7]


@pytest.mark.parametrize(
    ("requested", "number", "items"),
    [
        (None, 1, [1, 2, 3]),
        (1, 1, [1, 2, 3]),
        (2, 2, [4, 5, 6]),
        (3, 3, [7]),
        (9, 3, [7]),  # past the end: the last page
        (0, 1, [1, 2, 3]),
        (-4, 1, [1, 2, 3]),
    ],
)
def test_a_page_of_a_list(requested, number, items) -> None:  # type: ignore[no-untyped-def]
    shown = paginate(ITEMS, requested, per_page=3)
    assert (shown.number, list(shown.items), shown.pages, shown.total) == (number, items, 3, 7)


def test_an_empty_list_has_one_empty_page() -> None:
    shown = paginate([], 5, per_page=3)
    assert (shown.number, list(shown.items), shown.pages, shown.total) == (1, [], 1, 0)
