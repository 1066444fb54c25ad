"""``flask referentials ...`` commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracker.referentials import service

BUNDLED = Path(str(service.BUNDLED))


@pytest.fixture
def cli(app, db_session):  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()

    def run(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(args=["referentials", *args])

    return run


def test_load_bundled_then_list_json(cli) -> None:
    result = cli("load-bundled")
    assert result.exit_code == 0, result.output
    assert "RNCP39303: saved as version 1 — 4 blocks, 33 competences" in result.output
    assert "unchanged" in cli("load-bundled").output
    listing = json.loads(cli("list", "--json").output)
    by_code = {cert["code"]: cert for cert in listing}
    assert set(by_code) == {"RNCP39056", "RNCP39055", "RNCP39303", "RNCP39304", "RNCP21806"}
    cert = by_code["RNCP39055"]
    assert set(cert) == {"code", "title", "version", "active", "level", "blocks", "tracks"}
    assert cert["version"] == 1
    assert cert["active"] is True
    assert cert["level"] == "NIV7"
    assert [len(b["competences"]) for b in cert["blocks"]] == [6, 3, 4, 5, 3, 4]
    assert set(cert["blocks"][0]["competences"][0]) == {"code", "statement"}
    assert cert["tracks"][1] == {
        "name": "Paris / Saint-Denis",
        "blocks": [f"RNCP39055BC0{n}" for n in (1, 2, 3, 4, 6)],
    }


def test_import_dry_run_prints_the_split_and_saves_nothing(cli) -> None:
    result = cli("import", str(BUNDLED / "RNCP39304.xml"), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "RNCP39304BC03" in result.output
    assert "C11." in result.output
    assert "Dry run: nothing saved." in result.output
    assert json.loads(cli("list", "--json").output) == []


def test_import_without_yes_in_a_script_saves_nothing(cli) -> None:
    result = cli("import", str(BUNDLED / "RNCP39304.xml"))
    assert result.exit_code == 1
    assert "pass --yes" in result.output
    assert json.loads(cli("list", "--json").output) == []


def test_import_selects_fiches_and_reports_missing_ones(cli) -> None:
    result = cli("import", str(BUNDLED / "RNCP39304.xml"), "--fiche", "RNCP11111", "--yes")
    assert result.exit_code == 1
    assert "RNCP11111" in result.output
    result = cli("import", str(BUNDLED / "RNCP39304.xml"), "--fiche", "39304", "--yes")
    assert result.exit_code == 0, result.output
    assert "RNCP39304: saved as version 1" in result.output


@pytest.mark.parametrize("fmt", ["case", "moodle"])
def test_export_twice_is_identical_and_round_trips(cli, tmp_path: Path, fmt: str) -> None:
    cli("load-bundled")
    first, second = tmp_path / f"a.{fmt}", tmp_path / f"b.{fmt}"
    assert cli("export", "RNCP39303", "--format", fmt, "-o", str(first)).exit_code == 0
    assert cli("export", "rncp39303", "--format", fmt, "-o", str(second)).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    result = cli("import", str(first), "--yes")
    assert "RNCP39303: unchanged, already version 1" in result.output


def test_export_of_an_unknown_code_fails_clearly(cli) -> None:
    result = cli("export", "RNCP00000", "--format", "case")
    assert result.exit_code == 1
    assert "Aucune certification RNCP00000" in result.output


def test_a_hostile_file_is_refused(cli, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        "<FICHES>&lol2;</FICHES>"
    )
    result = cli("import", str(bomb), "--yes")
    assert result.exit_code == 1
    assert "DOCTYPE" in result.output
