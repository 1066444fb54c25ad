"""The editable text forms of a proposed referential, used by the import review page.

Rules shown to the person importing:

- competences: one competence per line, in order; a line starting with ``o`` followed by
  a space is a sub-skill of the competence above it; blank lines are ignored. Merging two
  competences is joining their lines, splitting one is cutting its line in two;
- tracks: one track per line, ``Name : CODE, CODE, ...`` (block codes, or their short
  form ``BC01``).

Unchanged text keeps the original records (and their codes); changed text is parsed again
and its competences get codes minted from their new positions.
"""

from __future__ import annotations

import re

from tracker.errors import DomainError
from tracker.i18n import _
from tracker.referentials.records import CompetenceRecord, TrackRecord

SUB_SKILL_PREFIX = "o "
_SUB_SKILL_RE = re.compile(r"^\s*o\s+(.*)$")


def competences_to_text(competences: list[CompetenceRecord]) -> str:
    lines: list[str] = []
    for competence in competences:
        lines.append(competence.statement)
        lines.extend(f"    {SUB_SKILL_PREFIX}{sub}" for sub in competence.sub_skills)
    return "\n".join(lines)


def competences_from_text(text: str) -> list[CompetenceRecord]:
    competences: list[CompetenceRecord] = []
    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = " ".join(raw_line.split())
        if not line:
            continue
        sub_skill = _SUB_SKILL_RE.match(raw_line)
        if sub_skill:
            if not competences:
                raise DomainError(
                    _(
                        "Ligne %(n)s : une sous-compétence (ligne commençant par « o ») doit "
                        "suivre une compétence.",
                        n=number,
                    )
                )
            competences[-1].sub_skills.append(" ".join(sub_skill.group(1).split()))
        else:
            competences.append(CompetenceRecord(statement=line))
    if not competences:
        raise DomainError(_("Un bloc doit garder au moins une compétence."))
    return competences


def tracks_to_text(tracks: list[TrackRecord]) -> str:
    return "\n".join(f"{track.name} : {', '.join(track.block_codes)}" for track in tracks)


def tracks_from_text(
    text: str, block_codes: list[str], previous: list[TrackRecord]
) -> list[TrackRecord]:
    """Parse the tracks text; descriptions of tracks kept by name are kept."""
    descriptions = {track.name: track.description for track in previous}
    by_suffix = {code[-4:].upper(): code for code in block_codes}
    tracks: list[TrackRecord] = []
    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.strip()
        if not line:
            continue
        name, separator, codes_text = line.rpartition(":")
        name = name.strip()
        if not separator or not name:
            raise DomainError(
                _("Ligne %(n)s : écrivez « Nom du parcours : BC01, BC02 ».", n=number)
            )
        codes = []
        for token in re.split(r"[\s,;]+", codes_text.strip()):
            if not token:
                continue
            code = token.upper() if token.upper() in block_codes else by_suffix.get(token.upper())
            if code is None:
                raise DomainError(
                    _(
                        "Ligne %(n)s : le bloc « %(code)s » n'existe pas dans cette fiche.",
                        n=number,
                        code=token,
                    )
                )
            codes.append(code)
        tracks.append(TrackRecord(name, codes, descriptions.get(name, "")))
    if not tracks:
        raise DomainError(_("Une certification a au moins un parcours."))
    return tracks
