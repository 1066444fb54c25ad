"""The apprentice's livret and the cohort dashboard."""

from __future__ import annotations

from datetime import date
from io import BytesIO

from flask import (
    Blueprint,
    Response,
    abort,
    render_template,
    request,
    send_file,
    stream_with_context,
)
from flask_login import current_user

from tracker.conditions import service as conditions
from tracker.evaluations.models import RaterRole
from tracker.extensions import db
from tracker.i18n import _l
from tracker.livret import exports, service
from tracker.livret.forms import DashboardForm
from tracker.pagination import paginate
from tracker.people.models import Apprenticeship, Cohort
from tracker.people.service import get_apprenticeship, get_cohort
from tracker.permissions import (
    dashboard_includes,
    may_export_cohort_ratings,
    may_manage_people,
    may_view_cohort_dashboard,
    may_view_livret,
    require,
)
from tracker.progress.rules import DIVERGENCE
from tracker.situations.service import counts_by_competence

bp = Blueprint("livret", __name__)

RATER_LETTERS = {
    RaterRole.APPRENTICE: _l("A"),
    RaterRole.COMPANY_TUTOR: _l("M"),
    RaterRole.ACADEMIC_TUTOR: _l("T"),
}
RATER_NAMES = {
    RaterRole.APPRENTICE: _l("Auto-évaluation de l'apprenti·e"),
    RaterRole.COMPANY_TUTOR: _l("Maître d'apprentissage"),
    RaterRole.ACADEMIC_TUTOR: _l("Tuteur académique"),
}


@bp.app_template_filter("short_code")
def short_code(code: str, cohort: Cohort) -> str:
    """BC01 for RNCP39303BC01 (``service.short_code``), for templates."""
    return service.short_code(code, cohort)


@bp.app_context_processor
def livret_helpers() -> dict[str, object]:
    return {
        "rater_letters": RATER_LETTERS,
        "rater_names": RATER_NAMES,
        "divergence_threshold": DIVERGENCE,
        "may_export_cohort_ratings": may_export_cohort_ratings,
    }


@bp.get("/contrats/<int:apprenticeship_id>/livret")
def livret(apprenticeship_id: int) -> str:
    apprenticeship = get_apprenticeship(db.session, apprenticeship_id)
    if not may_view_livret(current_user, apprenticeship):
        abort(404)
    today = date.today()
    situations = counts_by_competence(db.session, apprenticeship.id, visible_to=current_user)
    data = service.load_livret(db.session, apprenticeship, situations=situations)
    checklist = conditions.checklist(db.session, apprenticeship, today)
    started = max(
        (s.number for s in apprenticeship.cohort.semesters if s.starts_on <= today), default=0
    )
    return render_template(
        "livret/livret.html",
        apprenticeship=apprenticeship,
        cohort=apprenticeship.cohort,
        livret=data,
        checklist=checklist,
        readiness=data.readiness({item.label: item.met for item in checklist}),
        trajectory=service.trajectory_of(data, apprenticeship.cohort),
        raters_charts={
            block.id: service.raters_of(data, block, apprenticeship.cohort) for block in data.blocks
        },
        raters=list(RaterRole),
        # Columns: the semesters signed, and those started (the current one "non signé").
        columns=[s for s in data.semesters if s.signed or s.number <= started],
    )


@bp.get("/promotions/<int:cohort_id>/tableau")
@require(may_view_cohort_dashboard)
def dashboard(cohort_id: int) -> str:
    cohort, apprenticeships = _dashboard_scope(cohort_id)
    form = DashboardForm(request.args)
    shown, order = form.choice()
    today = date.today()
    data = service.cohort_dashboard(
        db.session,
        cohort,
        apprenticeships,
        requirements=conditions.requirements_met_of(db.session, apprenticeships, today),
        today=today,
    )
    rows = [row for row in data.rows if _shown(row, shown)]
    rows.sort(key=SORT_KEYS[order])
    shown_page = paginate(rows, request.args.get("page", type=int))
    return render_template(
        "livret/dashboard.html",
        cohort=cohort,
        dashboard=data,
        rows=shown_page.items,
        shown_count=shown_page.total,
        page=shown_page.number,
        pages=shown_page.pages,
        link_args={"filtre": shown, "tri": order},
        form=form,
        filtered=bool(shown),
    )


@bp.get("/promotions/<int:cohort_id>/tableau/export.<fmt>")
@require(may_export_cohort_ratings)
def export(cohort_id: int, fmt: str) -> Response:
    """Every rating of the cohort, as CSV (streamed) or XLSX."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    cohort = get_cohort(db.session, cohort_id)
    rows = exports.cohort_rating_rows(db.session, cohort)
    filename = exports.export_filename(cohort, fmt)
    if fmt == "csv":
        return Response(
            stream_with_context(exports.iter_csv(rows)),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    buffer = BytesIO()
    exports.write_xlsx(rows, buffer, cohort_name=cohort.name)
    buffer.seek(0)
    return send_file(buffer, mimetype=XLSX, as_attachment=True, download_name=filename)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _dashboard_scope(cohort_id: int) -> tuple[Cohort, list[Apprenticeship]]:
    """The cohort and the apprenticeships the user sees on its dashboard; 404 for an
    academic tutor who follows nobody in it."""
    cohort = get_cohort(db.session, cohort_id)
    user = current_user._get_current_object()  # once, not through the proxy per contract
    everyone = may_manage_people(user)
    apprenticeships = [
        a
        for a in service.dashboard_apprenticeships(db.session, cohort, with_periods=not everyone)
        if dashboard_includes(user, a)
    ]
    if not apprenticeships and not everyone:
        abort(404)
    return cohort, apprenticeships


def _shown(row: service.DashboardRow, shown: str) -> bool:
    if shown == "retard":
        return bool(row.behind)
    if shown == "non-prets":
        return not row.readiness.ready
    if shown == "grilles":
        return bool(row.grids_missing)
    return True


SORT_KEYS = {
    "nom": lambda row: row.apprenticeship.apprentice.name.casefold(),
    "progression": lambda row: (row.progression.acquired, row.apprenticeship.apprentice.name),
    "retard": lambda row: (-row.behind, row.apprenticeship.apprentice.name.casefold()),
}
