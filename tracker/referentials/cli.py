"""``flask --app wsgi referentials ...``: load, import, export and list referentials."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from tracker.errors import DomainError
from tracker.extensions import db
from tracker.referentials import service
from tracker.referentials.service import Proposal

referentials_cli = AppGroup("referentials", help="Certifications (fiches RNCP) and their blocks.")


def _fail(error: DomainError) -> None:
    db.session.rollback()
    raise click.ClickException(str(error))


def _report(outcomes: list[service.SaveOutcome]) -> None:
    for outcome in outcomes:
        cert = outcome.certification
        what = "saved as version" if outcome.created else "unchanged, already version"
        click.echo(
            f"{cert.code}: {what} {cert.version} — {len(cert.blocks)} blocks, "
            f"{cert.competence_count} competences, {len(cert.tracks)} track(s), "
            f"{len(cert.requirements)} condition(s) of award"
        )


@referentials_cli.command("load-bundled")
def load_bundled_command() -> None:
    """Load the five seed certifications shipped with Livret (idempotent)."""
    try:
        outcomes = service.load_bundled(db.session)
    except DomainError as error:
        _fail(error)
    db.session.commit()
    _report(outcomes)


def print_proposal(proposal: Proposal) -> None:
    record = proposal.record
    click.echo(f"{record.code} — {record.title}")
    click.echo(
        f"  level {record.level or '-'}, certifiers: {', '.join(record.certifiers) or '-'}, "
        f"{'active' if record.active else 'inactive'}"
    )
    for block in record.blocks:
        click.echo(f"  {block.code} — {block.title} ({len(block.competences)} competences)")
        suspected = set(proposal.suspected_assessment.get(block.code, []))
        for index, competence in enumerate(block.competences):
            mark = "  [assessment method?]" if index in suspected else ""
            click.echo(f"    C{index + 1:02d}. {competence.statement}{mark}")
            for sub_skill in competence.sub_skills:
                click.echo(f"         o {sub_skill}")
        for ignored in proposal.ignored.get(block.code, []):
            click.echo(f"    (not a competence) {ignored}")
    for track in record.tracks:
        click.echo(f"  track «{track.name}»: {', '.join(track.block_codes)}")


@referentials_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--fiche", "fiches", multiple=True, help="Fiche number to import (repeatable).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", *service.FORMATS]),
    default="auto",
    show_default=True,
)
@click.option("--dry-run", is_flag=True, help="Print the proposed split; save nothing.")
@click.option("--yes", is_flag=True, help="Save without asking.")
def import_command(path: Path, fiches: tuple[str, ...], fmt: str, dry_run: bool, yes: bool) -> None:
    """Import an RNCP XML export (plain or zipped), a CASE JSON package or a Moodle CSV."""
    try:
        with path.open("rb") as stream:
            result = service.read_file(
                db.session,
                stream,
                fmt=fmt,  # type: ignore[arg-type]
                numbers=list(fiches),
                max_bytes=current_app.config["MAX_IMPORT_BYTES"],
            )
    except DomainError as error:
        _fail(error)
    proposals = result.proposals
    for proposal in proposals:
        print_proposal(proposal)
    if dry_run:
        click.echo("Dry run: nothing saved.")
        return
    if not yes:
        if not sys.stdin.isatty():
            raise click.ClickException("Nothing saved: pass --yes to save without a prompt.")
        click.confirm(f"Save {len(proposals)} certification(s)?", abort=True)
    try:
        outcomes = [
            service.save_certification(
                db.session, proposal.record, source=result.format, source_name=path.name
            )
            for proposal in proposals
        ]
    except DomainError as error:
        _fail(error)
    db.session.commit()
    _report(outcomes)


@referentials_cli.command("export")
@click.argument("code")
@click.option("--format", "fmt", type=click.Choice(service.EXPORT_FORMATS), required=True)
@click.option("--version", "version", type=int, help="Version to export (default: latest).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
def export_command(code: str, fmt: str, version: int | None, output: Path | None) -> None:
    """Export a certification as CASE 1.0 JSON or Moodle competency-framework CSV."""
    try:
        certification = service.get_certification(db.session, code.upper(), version)
    except DomainError as error:
        _fail(error)
    exported = service.export(certification, fmt, base_uri=current_app.config["CASE_BASE_URI"])
    if output is None:
        click.echo(exported.content, nl=False)
    else:
        output.write_text(exported.content, encoding="utf-8", newline="")
        click.echo(f"Written {output}", err=True)


@referentials_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_command(as_json: bool) -> None:
    """List every certification version with its blocks, competences and tracks."""
    certifications = service.all_certifications(db.session)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "code": cert.code,
                        "title": cert.title,
                        "version": cert.version,
                        "active": cert.active,
                        "level": cert.level,
                        "blocks": [
                            {
                                "code": block.code,
                                "title": block.title,
                                "competences": [
                                    {"code": c.code, "statement": c.statement}
                                    for c in block.competences
                                ],
                            }
                            for block in cert.blocks
                        ],
                        "tracks": [
                            {"name": track.name, "blocks": [b.code for b in track.blocks]}
                            for track in cert.tracks
                        ],
                    }
                    for cert in certifications
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for cert in certifications:
        click.echo(
            f"{cert.code} v{cert.version}  {len(cert.blocks)} blocks, "
            f"{cert.competence_count} competences  {cert.title}"
        )
