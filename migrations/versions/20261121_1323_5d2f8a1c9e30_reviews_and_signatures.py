"""Evaluations: the three-way review (agreed levels), signatures and reopenings, and the
triggers through which the database itself refuses any change to a signed semester.

Revision ID: 5d2f8a1c9e30
Revises: a064e6606af6
Create Date: 2026-11-21 13:23:03.649448

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5d2f8a1c9e30"
down_revision = "a064e6606af6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("apprenticeship_id", sa.Integer(), nullable=False),
        sa.Column("semester_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("signed_content", sa.Text(), nullable=True),
        sa.Column("content_sha256", sa.String(length=64), nullable=True),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'signing', 'locked')", name=op.f("ck_reviews_status_known")
        ),
        sa.CheckConstraint("revision >= 1", name=op.f("ck_reviews_revision_positive")),
        sa.ForeignKeyConstraint(
            ["apprenticeship_id"],
            ["apprenticeships.id"],
            name=op.f("fk_reviews_apprenticeship_id_apprenticeships"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["semester_id"],
            ["semesters.id"],
            name=op.f("fk_reviews_semester_id_semesters"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint(
            "apprenticeship_id",
            "semester_id",
            name=op.f("uq_reviews_apprenticeship_id_semester_id"),
        ),
    )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reviews_apprenticeship_id"), ["apprenticeship_id"], unique=False
        )

    op.create_table(
        "agreed_levels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("competence_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("not_observed", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "NOT (not_observed AND level IS NOT NULL)",
            name=op.f("ck_agreed_levels_level_or_not_observed"),
        ),
        sa.CheckConstraint(
            "level IS NULL OR level >= 1", name=op.f("ck_agreed_levels_level_positive")
        ),
        sa.ForeignKeyConstraint(
            ["competence_id"],
            ["competences.id"],
            name=op.f("fk_agreed_levels_competence_id_competences"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_agreed_levels_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreed_levels")),
        sa.UniqueConstraint(
            "review_id", "competence_id", name=op.f("uq_agreed_levels_review_id_competence_id")
        ),
    )
    with op.batch_alter_table("agreed_levels", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agreed_levels_competence_id"), ["competence_id"], unique=False
        )

    op.create_table(
        "review_reopenings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("signed_content", sa.Text(), nullable=True),
        sa.Column("content_sha256", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reopened_by_id", sa.Integer(), nullable=False),
        sa.Column("reopened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reopened_grids", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reopened_by_id"],
            ["users.id"],
            name=op.f("fk_review_reopenings_reopened_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_review_reopenings_review_id_reviews"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_reopenings")),
        sa.UniqueConstraint(
            "review_id", "revision", name=op.f("uq_review_reopenings_review_id_revision")
        ),
    )
    op.create_table(
        "signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("signer_id", sa.Integer(), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "role IN ('apprentice', 'company_tutor', 'academic_tutor')",
            name=op.f("ck_signatures_role_known"),
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_signatures_review_id_reviews"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["signer_id"],
            ["users.id"],
            name=op.f("fk_signatures_signer_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signatures")),
        sa.UniqueConstraint(
            "review_id", "revision", "role", name=op.f("uq_signatures_review_id_revision_role")
        ),
    )
    create_signed_row_guards()


def downgrade():
    drop_signed_row_guards()
    op.drop_table("signatures")
    op.drop_table("review_reopenings")
    with op.batch_alter_table("agreed_levels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agreed_levels_competence_id"))

    op.drop_table("agreed_levels")
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reviews_apprenticeship_id"))

    op.drop_table("reviews")


# Nothing signed changes, whatever the code does. A semester is frozen from its first
# signature (review status 'signing') and locked after the last one ('locked'): its grids,
# ratings and agreed levels then refuse INSERT, UPDATE and DELETE. Signatures and
# reopenings are never updated nor deleted. A frozen review only moves forward (more
# signatures, then locked) or is reopened, which needs its reopening row (the signed version
# and its hash, kept forever) to exist first.
FROZEN_SEMESTER = (
    "EXISTS (SELECT 1 FROM reviews r WHERE r.apprenticeship_id = {row}.apprenticeship_id "
    "AND r.semester_id = {row}.semester_id AND r.status <> 'open')"
)
FROZEN_GRID = (
    "EXISTS (SELECT 1 FROM grids g JOIN reviews r ON r.apprenticeship_id = g.apprenticeship_id "
    "AND r.semester_id = g.semester_id WHERE g.id = {row}.grid_id AND r.status <> 'open')"
)
FROZEN_REVIEW = (
    "EXISTS (SELECT 1 FROM reviews r WHERE r.id = {row}.review_id AND r.status <> 'open')"
)
# A signature signs the frozen content of the review's current revision.
BAD_SIGNATURE = (
    "NOT EXISTS (SELECT 1 FROM reviews r WHERE r.id = NEW.review_id AND r.status = 'signing' "
    "AND r.revision = NEW.revision AND r.content_sha256 = NEW.content_sha256)"
)
REVIEW_CHANGE_REFUSED = (
    "OLD.status <> 'open' AND NOT ("
    # Reopening: back to open, next revision, once the signed version is archived.
    "(NEW.status = 'open' AND NEW.revision = OLD.revision + 1 AND EXISTS ("
    "SELECT 1 FROM review_reopenings o WHERE o.review_id = OLD.id AND o.revision = OLD.revision))"
    # Collecting signatures: the content stays as signed; locked once all three signed.
    " OR (OLD.status = 'signing' AND NEW.revision = OLD.revision"
    " AND NEW.apprenticeship_id = OLD.apprenticeship_id AND NEW.semester_id = OLD.semester_id"
    " AND NEW.comment = OLD.comment AND NEW.signed_content = OLD.signed_content"
    " AND NEW.content_sha256 = OLD.content_sha256"
    " AND (NEW.status = 'signing' OR (NEW.status = 'locked' AND (SELECT count(*) FROM signatures s"
    " WHERE s.review_id = OLD.id AND s.revision = OLD.revision) = 3)))"
    ")"
)

# (table, event, condition) of every refusal.
GUARDS = [
    ("grids", "INSERT", FROZEN_SEMESTER.format(row="NEW")),
    ("grids", "UPDATE", FROZEN_SEMESTER.format(row="OLD")),
    ("grids", "DELETE", FROZEN_SEMESTER.format(row="OLD")),
    ("ratings", "INSERT", FROZEN_GRID.format(row="NEW")),
    ("ratings", "UPDATE", FROZEN_GRID.format(row="OLD")),
    ("ratings", "DELETE", FROZEN_GRID.format(row="OLD")),
    ("agreed_levels", "INSERT", FROZEN_REVIEW.format(row="NEW")),
    ("agreed_levels", "UPDATE", FROZEN_REVIEW.format(row="OLD")),
    ("agreed_levels", "DELETE", FROZEN_REVIEW.format(row="OLD")),
    ("reviews", "UPDATE", REVIEW_CHANGE_REFUSED),
    ("reviews", "DELETE", "OLD.status <> 'open'"),
    ("signatures", "INSERT", BAD_SIGNATURE),
    ("signatures", "UPDATE", "1 = 1"),
    ("signatures", "DELETE", "1 = 1"),
    ("review_reopenings", "UPDATE", "1 = 1"),
    ("review_reopenings", "DELETE", "1 = 1"),
]


def _name(table, event):
    return f"{table}_signed_no_{event.lower()}"


def create_signed_row_guards():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, event, condition in GUARDS:
        name = _name(table, event)
        message = f"{table}: signed rows are read-only ({event})"
        if sqlite:
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW "
                f"WHEN {condition} BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
        else:
            returned = "OLD" if event == "DELETE" else "NEW"
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger AS $$ BEGIN "
                f"IF {condition} THEN RAISE EXCEPTION '{message}'; END IF; "
                f"RETURN {returned}; END $$ LANGUAGE plpgsql"
            )
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {event} ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {name}()"
            )


def drop_signed_row_guards():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, event, _condition in GUARDS:
        name = _name(table, event)
        if sqlite:
            op.execute(f"DROP TRIGGER {name}")
        else:
            op.execute(f"DROP TRIGGER {name} ON {table}")
            op.execute(f"DROP FUNCTION {name}()")
