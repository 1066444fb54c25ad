"""Audit events as a programme manager reads them: a French label per action, the name of
who acted, what the event is about, and the fields that changed, before and after.

Values are turned into words here (levels with the cohort's scale labels, dates, people's
names); templates only lay them out. An action this module does not know, or a known one
recorded in an unexpected shape, is shown generically (its code and its raw changed keys)
rather than failing the page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import format_date, format_decimal

from tracker.audit.models import AuditEvent
from tracker.audit.service import (
    CALENDAR_FIELDS,
    WINDOW_FIELDS,
    JournalPage,
    calendar_changes,
    semester_plans_of,
)
from tracker.i18n import _, _l
from tracker.people.models import Apprenticeship, Cohort, Semester

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    """One changed field: ``code`` (a competence code) is shown apart from the label."""

    label: str
    before: str
    after: str
    code: str = ""


@dataclass(frozen=True)
class Detail:
    """A value recorded with the event (a reason, a hash): ``mono`` for hashes."""

    label: str
    value: str
    mono: bool = False


@dataclass
class Entry:
    id: int
    at: datetime  # UTC
    action: str
    label: str
    actor: str
    context: str = ""
    changes: list[Change] = field(default_factory=list)
    details: list[Detail] = field(default_factory=list)

    @property
    def iso_utc(self) -> str:
        return self.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    @property
    def utc_text(self) -> str:
        return self.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


ACTION_LABELS = {
    "grid.saved": _l("Grille enregistrée (brouillon)"),
    "grid.submitted": _l("Grille soumise"),
    "grid.reopened": _l("Grille rouverte (repassée en brouillon)"),
    "review.saved": _l("Niveaux retenus du bilan enregistrés"),
    "review.locked": _l("Semestre verrouillé"),
    "review.reopened": _l("Semestre rouvert"),
    "cohort.created": _l("Promotion créée"),
    "cohort.updated": _l("Calendrier des semestres modifié"),
    "apprenticeship.created": _l("Contrat créé"),
    "apprenticeship.placement_changed": _l("Changement d'entreprise ou de tuteur"),
    "apprenticeship.dates_changed": _l("Dates du contrat modifiées"),
    "reminder.sent": _l("Relance envoyée"),
    "situation.created": _l("Situation professionnelle ajoutée"),
    "situation.updated": _l("Situation professionnelle modifiée"),
    "situation.deleted": _l("Situation professionnelle supprimée"),
    "situation.file_added": _l("Pièce jointe ajoutée à une situation"),
    "situation.file_removed": _l("Pièce jointe retirée d'une situation"),
    "situation.commented": _l("Situation commentée par un tuteur"),
}
SIGNED_LABELS = {
    "apprentice": _l("Bilan visé par l'apprenti·e"),
    "company_tutor": _l("Bilan signé par le maître d'apprentissage"),
    "academic_tutor": _l("Bilan signé par le tuteur académique"),
}
WINDOW_CHANGED = _l("Fenêtre d'évaluation modifiée")
RATER_LABELS = {
    "apprentice": _l("apprenti·e"),
    "company_tutor": _l("maître d'apprentissage"),
    "academic_tutor": _l("tuteur académique"),
}
FIELD_LABELS = {
    "starts_on": _l("Début"),
    "ends_on": _l("Fin"),
    "window_opens_on": _l("ouverture de la fenêtre d'évaluation"),
    "window_closes_on": _l("fermeture de la fenêtre d'évaluation"),
    "expected_level": _l("niveau attendu"),
    "company_name": _l("Entreprise"),
    "siret": _l("SIRET"),
    "company_tutor_id": _l("Maître d'apprentissage"),
    "academic_tutor_id": _l("Tuteur académique"),
    "apprentice_id": _l("Apprenti·e"),
    "cohort_id": _l("Promotion"),
    "name": _l("Nom"),
    "scale_labels": _l("Échelle de niveaux"),
    "not_observed_label": _l("Libellé « non observé »"),
    "threshold": _l("Seuil de maîtrise"),
    "title": _l("Titre"),
    "company_context": _l("Contexte dans l'entreprise"),
    "what_was_done": _l("Ce qui a été fait"),
    "competence_ids": _l("Compétences"),
    "media_type": _l("Type de fichier"),
    "size": _l("Taille"),
    "body": _l("Commentaire"),
    "comment": _l("Commentaire"),
    "reason": _l("Motif"),
    "revision": _l("Révision"),
    "sha256": _l("Empreinte SHA-256"),
    "period": _l("Période"),
}
CONTRACT_LABELS = {
    "starts_on": _l("Début du contrat"),
    "ends_on": _l("Fin du contrat"),
}


def _empty() -> str:
    return _("(vide)")


class _Presenter:
    """Turns the events of one journal page into entries; ``semester`` narrows a cohort
    change to the rows of that semester."""

    def __init__(
        self, journal: JournalPage, apprenticeship: Apprenticeship, semester: Semester | None
    ) -> None:
        self.journal = journal
        self.apprenticeship = apprenticeship
        self.cohort: Cohort = apprenticeship.cohort
        self.semester = semester
        self.semester_labels = {s.id: s.label for s in self.cohort.semesters}
        # Translated once: a page may show thousands of values.
        self.empty = _empty()
        self.not_rated = _("non renseigné")
        self.comment = _("commentaire")

    # --- values ----------------------------------------------------------------------

    def person(self, value: object) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            return self.journal.names.get(value, f"n° {value}")
        return self.value(value)

    def value(self, value: object, key: str = "") -> str:
        """Any recorded value in words: empty, yes/no, dates, people, lists, text."""
        if value is None or value == "" or value == []:
            return self.empty
        if isinstance(value, bool):
            return _("oui") if value else _("non")
        if key.endswith("_id") and key in FIELD_LABELS and key != "cohort_id":
            return self.person(value)
        if key == "cohort_id" and value == self.cohort.id:
            return self.cohort.name
        if isinstance(value, str) and key.endswith("_on"):
            try:
                return format_date(date.fromisoformat(value), "short")
            except ValueError:
                return value
        if key == "competence_ids" and isinstance(value, list):
            return ", ".join(self.journal.competence_codes.get(i, f"n° {i}") for i in value)
        if key == "size" and isinstance(value, int):
            return _("%(n)s Ko", n=format_decimal(round(value / 1024, 1)))
        if isinstance(value, list):
            return ", ".join(self.value(item) for item in value)
        if isinstance(value, dict):
            return ", ".join(f"{k} : {self.value(v, k)}" for k, v in value.items())
        return str(value)

    def level(self, state: object) -> str:
        """A rating or agreed level: "3 — Acquis", the cohort's "non observé" label, or
        "non renseigné" when neither is given."""
        if not isinstance(state, Mapping):
            return self.not_rated
        if state.get("not_observed"):
            return self.cohort.not_observed_label
        level = state.get("level")
        if isinstance(level, int) and not isinstance(level, bool):
            return f"{level} — {self.cohort.level_label(level)}"
        return self.not_rated

    # --- entries ---------------------------------------------------------------------

    def entry(self, event: AuditEvent) -> Entry:
        entry = Entry(
            id=event.id,
            at=event.at,
            action=event.action,
            label=str(ACTION_LABELS.get(event.action, event.action)),
            actor=_("système") if event.actor_id is None else self.person(event.actor_id),
            context=self.context(event),
        )
        presenter = PRESENTERS.get(event.action)
        try:
            if presenter is None:
                self.generic(event, entry)
            else:
                presenter(self, event, entry)
        except (AttributeError, KeyError, TypeError, ValueError):
            # Recorded in a shape this page does not expect: show it raw, never fail.
            log.warning("audit event %s (%s) shown generically", event.id, event.action)
            entry.changes, entry.details = [], []
            self.generic(event, entry)
        return entry

    def context(self, event: AuditEvent) -> str:
        if event.object_type == "grid" and event.object_id in self.journal.grids:
            role, semester_id = self.journal.grids[event.object_id]
            label = self.semester_labels.get(semester_id, "")
            if role == "apprentice":
                return _("%(s)s · auto-évaluation de l'apprenti·e", s=label)
            if role == "company_tutor":
                return _("%(s)s · grille du maître d'apprentissage", s=label)
            if role == "academic_tutor":
                return _("%(s)s · grille du tuteur académique", s=label)
            return label
        if event.object_type == "review" and event.object_id in self.journal.reviews:
            semester = self.semester_labels.get(self.journal.reviews[event.object_id], "")
            return _("%(s)s · bilan tripartite", s=semester)
        if event.object_type == "cohort":
            return _("Promotion %(name)s", name=self.cohort.name)
        if event.object_type == "apprenticeship":
            return _("Contrat")
        if event.object_type == "work_situation":
            recorded = (
                state["title"]
                for state in (event.after, event.before)
                if isinstance(state, dict) and isinstance(state.get("title"), str)
            )
            title = self.journal.situations.get(event.object_id) or next(recorded, None)
            if title:
                return _("Situation « %(title)s »", title=title)
            return _("Situation professionnelle n° %(n)s", n=event.object_id)
        return ""

    def generic(
        self, event: AuditEvent | _Raw, entry: Entry, labels: Mapping[str, Any] | None = None
    ) -> None:
        """Every flattened key whose value differs, under its label (or its raw key)."""
        before, after = _flatten(event.before), _flatten(event.after)
        for key in _ordered(before.keys() | after.keys(), before, after):
            old, new = before.get(key), after.get(key)
            if old == new:
                continue
            last = key.rsplit(".", 1)[-1]
            label = (labels or {}).get(key) or FIELD_LABELS.get(last)
            if label is not None and "." in key:
                prefix = FIELD_LABELS.get(key.split(".", 1)[0], key.split(".", 1)[0])
                label = f"{prefix} — {label}"
            entry.changes.append(
                Change(str(label or key), self.value(old, last), self.value(new, last))
            )

    def ratings(self, event: AuditEvent, entry: Entry, comment_label: str) -> None:
        """Competence by competence, the level and the comment before and after; the
        general comment (key "commentaire") last."""
        before = event.before if isinstance(event.before, dict) else {}
        after = event.after if isinstance(event.after, dict) else {}
        for key in sorted(before.keys() | after.keys(), key=lambda k: (k == "commentaire", k)):
            old, new = before.get(key), after.get(key)
            if key == "commentaire":
                if old != new:
                    entry.changes.append(Change(comment_label, self.value(old), self.value(new)))
                continue
            statement = self.journal.competences.get(key, "")
            old_level, new_level = self.level(old), self.level(new)
            if old_level != new_level:
                entry.changes.append(Change(statement, old_level, new_level, key))
            old_comment = old.get("comment", "") if isinstance(old, Mapping) else ""
            new_comment = new.get("comment", "") if isinstance(new, Mapping) else ""
            if old_comment != new_comment:
                entry.changes.append(
                    Change(self.comment, self.value(old_comment), self.value(new_comment), key)
                )

    def calendar(self, event: AuditEvent, entry: Entry) -> None:
        """Semester by semester, the dates, window and expected level that moved (only the
        journal's semester on a semester's journal); then the cohort's other settings."""
        old, new = semester_plans_of(event.before), semester_plans_of(event.after)
        numbers = sorted(old.keys() | new.keys())
        if self.semester is not None:
            numbers = [n for n in numbers if n == self.semester.number]
        for number in numbers:
            for key in (*CALENDAR_FIELDS, "expected_level"):
                before = old.get(number, {}).get(key)
                after = new.get(number, {}).get(key)
                if before != after:
                    label = f"S{number} — {FIELD_LABELS[key]}"
                    entry.changes.append(
                        Change(label, self.value(before, key), self.value(after, key))
                    )
        windows = calendar_changes(event.before, event.after, WINDOW_FIELDS)
        if windows & set(numbers):
            entry.label = str(WINDOW_CHANGED)
        # The cohort's other settings (name, scale...) changed by the same save.
        others = _Raw(
            {k: v for k, v in (event.before or {}).items() if k != "semesters"},
            {k: v for k, v in (event.after or {}).items() if k != "semesters"},
        )
        self.generic(others, entry)


@dataclass
class _Raw:
    """A before/after pair handed to ``generic`` without its event."""

    before: Any
    after: Any


def _flatten(state: object, prefix: str = "") -> dict[str, Any]:
    """Nested dicts as dotted keys (``period.company_name``); other values as they are."""
    if not isinstance(state, dict):
        return {} if state is None else {prefix or "valeur": state}
    flat: dict[str, Any] = {}
    for key, value in state.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            flat.update(_flatten(value, name))
        else:
            flat[name] = value
    return flat


def _ordered(keys: set[str], *states: dict[str, Any]) -> list[str]:
    """Keys in the order they were recorded (after first), unknown ones last."""
    order: list[str] = []
    for state in reversed(states):
        order.extend(k for k in state if k not in order)
    return [k for k in order if k in keys]


# --- One presenter per known action ------------------------------------------------------


def _grid_saved(p: _Presenter, event: AuditEvent, entry: Entry) -> None:
    p.ratings(event, entry, _("Commentaire général"))


def _review_saved(p: _Presenter, event: AuditEvent, entry: Entry) -> None:
    p.ratings(event, entry, _("Commentaire du bilan"))


def _no_values(p: _Presenter, event: AuditEvent, entry: Entry) -> None:
    if event.before or event.after:
        p.generic(event, entry)


def _review_signed(p: _Presenter, event: AuditEvent, entry: Entry) -> None:
    after = event.after or {}
    role = after.get("role")
    if role in SIGNED_LABELS:
        entry.label = str(SIGNED_LABELS[role])
    entry.details.append(Detail(_("Révision signée"), p.value(after.get("revision"))))
    entry.details.append(
        Detail(_("Empreinte SHA-256 du contenu signé"), p.value(after.get("sha256")), mono=True)
    )
    if after.get("comment"):
        entry.details.append(Detail(_("Remarque"), str(after["comment"])))


def _review_locked(p: _Presenter, event: AuditEvent, entry: Entry) -> None:
    after = event.after or {}
    entry.details.append(Detail(_("Révision verrouillée"), p.value(after.get("revision"))))
    entry.details.append(
        Detail(_("Empreinte SHA-256 du contenu signé"), p.value(after.get("sha256")), mono=True)
    )


def _review_reopened(p: _Presenter, event: AuditEvent, entry: Entry) -> None:
    before, after = event.before or {}, event.after or {}
    entry.details.append(Detail(_("Motif"), p.value(after.get("reason"))))
    grids = after.get("grids") or []
    entry.details.append(
        Detail(
            _("Grilles repassées en brouillon"),
            ", ".join(str(RATER_LABELS.get(role, role)) for role in grids) or _("aucune"),
        )
    )
    entry.details.append(
        Detail(_("Révision qui avait été signée"), p.value(before.get("revision")))
    )
    entry.details.append(
        Detail(_("Son empreinte SHA-256"), p.value(before.get("sha256")), mono=True)
    )
    entry.details.append(Detail(_("Nouvelle révision"), p.value(after.get("revision"))))


def _cohort_updated(p: _Presenter, event: AuditEvent, entry: Entry) -> None:
    p.calendar(event, entry)


def _placement_changed(p: _Presenter, event: AuditEvent, entry: Entry) -> None:
    """The closed period against the new one: when it takes effect, then what changed
    (company, SIRET, tutors); the periods' own dates would only repeat that."""
    before, after = event.before or {}, event.after or {}
    entry.details.append(Detail(_("Prend effet le"), p.value(after["starts_on"], "starts_on")))
    dates = ("starts_on", "ends_on")
    p.generic(
        _Raw(
            {k: v for k, v in before.items() if k not in dates},
            {k: v for k, v in after.items() if k not in dates},
        ),
        entry,
    )


# Ids that tie a situation's event to its contract, files and comments: not for reading.
SITUATION_HIDDEN = ("apprenticeship_id", "file_id", "comment_id", "file_ids", "comment_ids")


def _situation(p: _Presenter, event: AuditEvent, entry: Entry) -> None:
    def shown(state: object) -> object:
        if not isinstance(state, dict):
            return state
        return {k: v for k, v in state.items() if k not in SITUATION_HIDDEN}

    p.generic(_Raw(shown(event.before), shown(event.after)), entry)
    if event.action == "situation.deleted" and isinstance(event.before, dict):
        for key, label in (
            ("file_ids", _("Pièces jointes supprimées avec elle")),
            ("comment_ids", _("Commentaires supprimés avec elle")),
        ):
            if isinstance(event.before.get(key), list):
                entry.details.append(Detail(label, str(len(event.before[key]))))


def _reminder(p: _Presenter, event: AuditEvent, entry: Entry) -> None:
    after = event.after or {}
    entry.details.append(Detail(_("Destinataire"), p.person(after["to"])))
    role = after.get("role")
    entry.details.append(Detail(_("En tant que"), str(RATER_LABELS.get(role, role))))
    entry.details.append(Detail(_("Semestre"), f"S{after['semester']}"))
    items = [str(REMINDER_ITEMS.get(item, item)) for item in after.get("items") or []]
    entry.details.append(Detail(_("Rappel"), ", ".join(items) or _empty()))


REMINDER_ITEMS = {
    "grid": _l("grille à remplir"),
    "lead_review": _l("bilan tripartite à conduire"),
    "sign_review": _l("bilan à signer"),
}


def _contract(labels: Mapping[str, Any]) -> Callable[[_Presenter, AuditEvent, Entry], None]:
    def present(p: _Presenter, event: AuditEvent, entry: Entry) -> None:
        p.generic(event, entry, labels)

    return present


PRESENTERS: dict[str, Callable[[_Presenter, AuditEvent, Entry], None]] = {
    "grid.saved": _grid_saved,
    "grid.submitted": _no_values,
    "review.saved": _review_saved,
    "review.signed": _review_signed,
    "review.locked": _review_locked,
    "review.reopened": _review_reopened,
    "cohort.updated": _cohort_updated,
    "apprenticeship.created": _contract(CONTRACT_LABELS),
    "apprenticeship.dates_changed": _contract(CONTRACT_LABELS),
    "apprenticeship.placement_changed": _placement_changed,
    "reminder.sent": _reminder,
    **dict.fromkeys(
        (
            "situation.created",
            "situation.updated",
            "situation.deleted",
            "situation.file_added",
            "situation.file_removed",
            "situation.commented",
        ),
        _situation,
    ),
}


def present(
    journal: JournalPage, apprenticeship: Apprenticeship, semester: Semester | None = None
) -> list[Entry]:
    """The entries of one journal page, in the page's order (newest first)."""
    presenter = _Presenter(journal, apprenticeship, semester)
    return [presenter.entry(event) for event in journal.events]


# --- Conditions of award (tracker.conditions) ------------------------------------------------

CONDITION_ACTIONS = {
    "english_certificate": (
        _l("Certification d'anglais ajoutée"),
        _l("Certification d'anglais modifiée"),
        _l("Certification d'anglais supprimée"),
        _l("Certification d'anglais validée"),
        _l("Certification d'anglais refusée"),
    ),
    "mobility_period": (
        _l("Période de mobilité ajoutée"),
        _l("Période de mobilité modifiée"),
        _l("Période de mobilité supprimée"),
        _l("Période de mobilité validée"),
        _l("Période de mobilité refusée"),
    ),
    "final_assessment": (
        _l("Rapport et soutenance saisis"),
        _l("Rapport et soutenance modifiés"),
        _l("Rapport et soutenance supprimés"),
        _l("Rapport et soutenance validés"),
        _l("Rapport et soutenance refusés"),
    ),
    "company_opinion": (
        _l("Avis de l'entreprise saisi"),
        _l("Avis de l'entreprise modifié"),
        _l("Avis de l'entreprise supprimé"),
        _l("Avis de l'entreprise validé"),
        _l("Avis de l'entreprise refusé"),
    ),
}
CONDITION_VERBS = ("created", "updated", "deleted", "validated", "refused")
CONDITION_FIELDS = {
    "test_name": _l("Test"),
    "score": _l("Score"),
    "level": _l("Niveau CECRL"),
    "taken_on": _l("Date du test"),
    "country": _l("Pays"),
    "host": _l("Organisme d'accueil"),
    "starts_on": _l("Premier jour"),
    "ends_on": _l("Dernier jour"),
    "report_submitted_on": _l("Rapport remis le"),
    "defence_on": _l("Soutenance le"),
    "result": _l("Résultat de la soutenance"),
    "opinion": _l("Avis"),
    "given_on": _l("Date de l'avis"),
    "comment": _l("Commentaire"),
    "status": _l("État"),
    "reason": _l("Motif du refus"),
    "proof_sha256": _l("Justificatif (empreinte SHA-256)"),
}
CONDITION_VALUES = {
    "submitted": _l("en attente de validation"),
    "validated": _l("validé"),
    "refused": _l("refusé"),
    "pending": _l("en attente"),
    "passed": _l("réussie"),
    "failed": _l("non réussie"),
    "favourable": _l("favorable"),
    "unfavourable": _l("défavorable"),
}


def _condition(p: _Presenter, event: AuditEvent, entry: Entry) -> None:
    def shown(state: object) -> object:
        if not isinstance(state, dict):
            return state
        return {
            key: str(CONDITION_VALUES[value])
            if key in ("status", "result", "opinion") and value in CONDITION_VALUES
            else value
            for key, value in state.items()
            if key != "apprenticeship_id"
        }

    p.generic(_Raw(shown(event.before), shown(event.after)), entry, CONDITION_FIELDS)


for _object_type, _labels in CONDITION_ACTIONS.items():
    for _verb, _label in zip(CONDITION_VERBS, _labels, strict=True):
        ACTION_LABELS[f"{_object_type}.{_verb}"] = _label
        PRESENTERS[f"{_object_type}.{_verb}"] = _condition


# --- Jury sessions (tracker.jury) -------------------------------------------------------------

ACTION_LABELS.update(
    {
        "jury_candidate.added": _l("Présenté·e à une session de jury"),
        "jury_candidate.removed": _l("Retiré·e d'une session de jury"),
        "jury_candidate.decided": _l("Décisions du jury enregistrées"),
        "jury_session.created": _l("Session de jury créée"),
        "jury_session.updated": _l("Session de jury modifiée"),
        "jury_session.member_added": _l("Membre ajouté au jury"),
        "jury_session.member_updated": _l("Membre du jury modifié"),
        "jury_session.member_removed": _l("Membre retiré du jury"),
        "jury_session.closed": _l("Session de jury close"),
    }
)
JURY_VALUES = {
    "acquired": _l("acquis"),
    "not_acquired": _l("non acquis"),
    "deferred": _l("ajourné"),
    "awarded": _l("certification délivrée"),
    "not_awarded": _l("certification non délivrée"),
}


def _jury_candidate(p: _Presenter, event: AuditEvent, entry: Entry) -> None:
    """Block by block, the jury's decision and comment before and after; then the
    decision on the certification and its comment."""
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    session_id = after.get("jury_session_id", before.get("jury_session_id"))
    entry.context = _("Session de jury n° %(n)s", n=session_id)

    def decision(value: object) -> str:
        return str(JURY_VALUES[value]) if value in JURY_VALUES else p.value(value)

    prefix = p.cohort.certification.code
    old_blocks, new_blocks = before.get("blocks") or {}, after.get("blocks") or {}
    for code in sorted(old_blocks.keys() | new_blocks.keys()):
        old, new = old_blocks.get(code) or {}, new_blocks.get(code) or {}
        short = code.removeprefix(prefix) or code
        if old.get("decision") != new.get("decision"):
            entry.changes.append(
                Change(
                    _("Décision du jury"),
                    decision(old.get("decision")),
                    decision(new.get("decision")),
                    short,
                )
            )
        if old.get("comment", "") != new.get("comment", ""):
            entry.changes.append(
                Change(
                    _("Commentaire du jury"),
                    p.value(old.get("comment")),
                    p.value(new.get("comment")),
                    short,
                )
            )
    for key, label in (
        ("decision", _("Décision sur la certification")),
        ("comment", _("Commentaire sur la décision")),
    ):
        if key in before or key in after:
            old_value, new_value = before.get(key), after.get(key)
            if old_value != new_value:
                shown = decision if key == "decision" else p.value
                entry.changes.append(Change(label, shown(old_value), shown(new_value)))


for _action in ("jury_candidate.added", "jury_candidate.removed", "jury_candidate.decided"):
    PRESENTERS[_action] = _jury_candidate
