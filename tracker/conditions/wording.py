"""The conditions of award in French words: how each requirement is decided, what is
missing (from the codes of ``tracker.progress.conditions``), the state of a record and the
one-line summary the checklist gives of it. Dates are written dd/mm/yyyy so the same text
serves the pages, the PDF dossiers and the exports."""

from __future__ import annotations

from datetime import date
from typing import Any

from tracker.conditions.models import (
    CompanyOpinion,
    DefenceResult,
    EnglishCertificate,
    EvidenceKind,
    FinalAssessment,
    MobilityPeriod,
    ReviewMixin,
    ReviewStatus,
)
from tracker.i18n import _
from tracker.progress import conditions as rules


def day(value: object) -> str:
    return value.strftime("%d/%m/%Y") if isinstance(value, date) else ""


def weeks_text(n: object) -> str:
    return _("1 semaine") if n == 1 else _("%(n)s semaines", n=n)


def rule_text(kind: str, params: dict[str, object]) -> str:
    """How the application decides a requirement, in French."""
    if kind == "english":
        return _(
            "Remplie par une certification d'anglais validée attestant le niveau %(level)s "
            "(CECRL) ou plus.",
            level=params.get("min_level", "B2"),
        )
    if kind == "mobility":
        text = _(
            "Remplie quand les périodes de mobilité validées totalisent %(weeks)s au moins "
            "(une période compte ses jours, premier et dernier inclus, divisés par 7 et "
            "arrondis à l'inférieur).",
            weeks=weeks_text(params.get("min_weeks", 0)),
        )
        if isinstance(params.get("max_weeks"), int) and params["max_weeks"] != params.get(
            "min_weeks"
        ):
            text += " " + _(
                "La fiche prévoit %(weeks)s au plus.", weeks=weeks_text(params["max_weeks"])
            )
        return text
    if kind == "report":
        return _("Remplie quand la remise du rapport est saisie et validée.")
    if kind == "final_project":
        return _("Remplie quand la remise du projet de fin d'études est saisie et validée.")
    if kind == "defence":
        return _("Remplie quand la soutenance est réussie et validée.")
    if kind == "company_opinion":
        years = params.get("validity_years")
        if isinstance(years, int):
            return _(
                "Remplie par le dernier avis validé de l'entreprise, s'il est favorable et "
                "date de moins de %(n)s ans.",
                n=years,
            )
        return _("Remplie par le dernier avis validé de l'entreprise, s'il est favorable.")
    return ""


def missing_text(kind: str, outcome: rules.Outcome) -> str:
    """What is missing for a requirement, in French."""
    m, v = outcome.missing, outcome.values
    missing = rules.Missing
    if m == missing.UNKNOWN_KIND:
        return _("Cette condition n'est pas suivie par l'application : voyez le règlement.")
    if kind == "english":
        required = v.get("required")
        return {
            missing.NOTHING: lambda: _(
                "Aucune certification d'anglais validée : il faut un test certifiant "
                "attestant le niveau %(level)s (CECRL) ou plus.",
                level=required,
            ),
            missing.AWAITING_VALIDATION: lambda: _(
                "Une certification de niveau %(level)s ou plus attend la validation du "
                "tuteur académique ou du responsable de formation.",
                level=required,
            ),
            missing.AWAITING_PROOF: lambda: _(
                "Une certification de niveau %(level)s ou plus est saisie sans justificatif : "
                "joignez l'attestation du test pour qu'elle puisse être validée.",
                level=required,
            ),
            missing.LEVEL_TOO_LOW: lambda: _(
                "Niveau attesté : %(level)s ; il faut le niveau %(required)s (CECRL) ou plus.",
                level=v.get("level"),
                required=required,
            ),
            missing.REFUSED: lambda: _(
                "La certification saisie a été refusée (voyez le motif) : corrigez-la ou "
                "saisissez-en une autre."
            ),
        }[m]()  # type: ignore[index]
    if kind == "mobility":
        if m == missing.NOTHING:
            return _(
                "Aucune période de mobilité internationale : il en faut %(weeks)s au moins.",
                weeks=weeks_text(v.get("required")),
            )
        if m == missing.REFUSED:
            return _("Les périodes de mobilité saisies ont été refusées (voyez le motif).")
        if m == missing.AWAITING_PROOF:
            return _(
                "Des périodes de mobilité sont saisies sans justificatif : joignez "
                "l'attestation de séjour pour qu'elles puissent être validées."
            )
        text = _(
            "Semaines validées : %(weeks)s sur les %(required)s exigées.",
            weeks=v.get("weeks"),
            required=v.get("required"),
        )
        if v.get("pending"):
            text += " " + _(
                "En attente de validation : %(weeks)s.", weeks=weeks_text(v.get("pending"))
            )
        if m == missing.WEEKS_SHORT:
            text += " " + _("Il manque %(weeks)s.", weeks=weeks_text(v.get("missing")))
        return text
    if kind in ("report", "final_project", "defence"):
        if m == missing.REFUSED:
            return _("La saisie du rapport et de la soutenance a été refusée (voyez le motif).")
        if kind == "defence":
            if m == missing.NOTHING:
                return _("La soutenance n'est pas encore programmée.")
            if m == missing.DEFENCE_SCHEDULED:
                if v.get("past"):
                    return _(
                        "Soutenance du %(date)s : le résultat n'est pas encore saisi.",
                        date=day(v.get("on")),
                    )
                return _("Soutenance prévue le %(date)s.", date=day(v.get("on")))
            if m == missing.DEFENCE_FAILED:
                return _("La soutenance du %(date)s n'a pas été réussie.", date=day(v.get("on")))
            return _("Soutenance réussie, en attente de validation.")
        if m == missing.NOTHING:
            if kind == "final_project":
                return _("Le projet de fin d'études n'est pas encore remis.")
            return _("Le rapport n'est pas encore remis.")
        return _("Remise saisie, en attente de validation.")
    if kind == "company_opinion":
        if m == missing.NOTHING:
            return _("Aucun avis de l'entreprise n'est encore saisi.")
        if m == missing.AWAITING_VALIDATION:
            return _("Un avis favorable de l'entreprise attend sa validation.")
        if m == missing.UNFAVOURABLE:
            if v.get("validated"):
                return _(
                    "Le dernier avis de l'entreprise (%(date)s) est défavorable.",
                    date=day(v.get("given_on")),
                )
            return _(
                "L'avis de l'entreprise saisi le %(date)s est défavorable (en attente de "
                "validation).",
                date=day(v.get("given_on")),
            )
        if m == missing.EXPIRED:
            return _(
                "Le dernier avis favorable (%(date)s) n'était valable que jusqu'au "
                "%(until)s : il faut un nouvel avis.",
                date=day(v.get("given_on")),
                until=day(v.get("valid_until")),
            )
        return _("L'avis saisi a été refusé (voyez le motif).")
    return ""


def note_text(outcome: rules.Outcome) -> str:
    if rules.Note.ABOVE_MAX_WEEKS in outcome.notes:
        return _(
            "%(weeks)s validées, au-delà des %(max)s prévues par la fiche (pour information).",
            weeks=weeks_text(outcome.values.get("weeks")),
            max=weeks_text(outcome.values.get("max_weeks")),
        )
    return ""


def status_text(row: ReviewMixin, feminine: bool | None = None) -> str:
    """The state of a record, agreed with the noun it describes (a certificate, a period
    and a defence are feminine in French; a report and an opinion masculine)."""
    if feminine is None:
        feminine = row.kind in (EvidenceKind.ENGLISH, EvidenceKind.MOBILITY)
    if row.status == ReviewStatus.VALIDATED:
        return _("validée") if feminine else _("validé")
    if row.status == ReviewStatus.REFUSED:
        return _("refusée") if feminine else _("refusé")
    return _("en attente de validation")


def result_text(result: str) -> str:
    return {
        DefenceResult.PENDING.value: lambda: _("en attente"),
        DefenceResult.PASSED.value: lambda: _("réussie"),
        DefenceResult.FAILED.value: lambda: _("non réussie"),
    }.get(result, lambda: result)()


def summary(kind: str, row: Any) -> str | None:
    """One line on a record, as the checklist lists it (None: nothing to say about it for
    this requirement, such as a final assessment without a report for the report)."""
    status = status_text(row)
    if isinstance(row, EnglishCertificate):
        text = _(
            "%(test)s %(score)s — niveau %(level)s, le %(date)s",
            test=row.test_name,
            score=row.score,
            level=row.level,
            date=day(row.taken_on),
        )
        if row.proof_id is None:
            text += _(", sans justificatif")
        return f"{text} : {status}"
    if isinstance(row, MobilityPeriod):
        text = _(
            "%(country)s, %(host)s, du %(start)s au %(end)s (%(weeks)s)",
            country=row.country,
            host=row.host,
            start=day(row.starts_on),
            end=day(row.ends_on),
            weeks=weeks_text(row.weeks),
        )
        if row.proof_id is None:
            text += _(", sans justificatif")
        return f"{text} : {status}"
    if isinstance(row, FinalAssessment):
        if kind == "defence":
            if row.defence_on is None:
                return None
            if row.result == DefenceResult.PENDING:
                return _("Soutenance le %(date)s, résultat en attente", date=day(row.defence_on))
            return _(
                "Soutenance du %(date)s %(result)s : %(status)s",
                date=day(row.defence_on),
                result=result_text(row.result),
                status=status_text(row, feminine=True),
            )
        if row.report_submitted_on is None:
            return None
        return _("Remis le %(date)s : %(status)s", date=day(row.report_submitted_on), status=status)
    if isinstance(row, CompanyOpinion):
        if row.favourable:
            text = _(
                "Avis favorable du %(date)s (%(company)s)",
                date=day(row.given_on),
                company=row.company_name,
            )
        else:
            text = _(
                "Avis défavorable du %(date)s (%(company)s)",
                date=day(row.given_on),
                company=row.company_name,
            )
        return f"{text} : {status}"
    return ""
