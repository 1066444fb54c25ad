"""The PDF benchmark (``flask --app wsgi bench-dossiers``), run tiny and without judging
any time: it must keep working, print every figure and leave nothing behind."""

from __future__ import annotations

import re

import pytest

from tests.conftest import BACKENDS, PG_URL
from tracker import create_app

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_benchmark_prints_one_dossier_and_a_batch(backend: str) -> None:
    app = create_app({"ENV_NAME": "testing"})
    args = ["bench-dossiers", "--batch", "2", "--samples", "1", "--workers", "2"]
    if backend == "postgresql":
        args += ["--database-url", PG_URL]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    output = result.output
    assert re.search(r"Seeded in [\d.]+ s: 4 contracts just over", output)
    assert re.search(r"One typical dossier \(contract \d+: \d+ pages, \d+ KB\)", output)
    for label in (
        "first dossier (cold: fonts, templates)",
        "our pipeline, median of 1",
        "of which the data",
        "of which the HTML",
        "bare WeasyPrint, same HTML, median of 1",
        "ratio pipeline / bare",
        "peak memory of the process",
        "Batch of 2 dossiers, 2 worker process(es)",
        "throughput",
        "CPU time of the workers",
        "Machine: ",
        "peak memory per worker",
    ):
        assert label in output
    assert re.search(r"our pipeline, median of 1 +[\d.]+ s +≤ 1.5 s +(OK|over)", output)
    assert re.search(r"ratio pipeline / bare +[\d.]+ +≤ 1.2 +(OK|over)", output)
    assert re.search(r"total +[\d.]+ s +≤ 2 s \(120 s × 2/150\) +(OK|over)", output)
    assert re.search(r"peak memory per worker +\d+, \d+ MB +≤ 300 MB", output)
    assert re.search(r"failed dossiers +0 +0 +OK", output)
    assert re.search(r"zip +[\d.]+ MB", output)
