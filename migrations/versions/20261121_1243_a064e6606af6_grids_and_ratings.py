"""Evaluations: grids (one per apprenticeship, semester and rater role) and their ratings.

Revision ID: a064e6606af6
Revises: 4c1c9dd5dee4
Create Date: 2026-11-21 12:43:46.685581

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a064e6606af6"
down_revision = "4c1c9dd5dee4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "grids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("apprenticeship_id", sa.Integer(), nullable=False),
        sa.Column("semester_id", sa.Integer(), nullable=False),
        sa.Column("rater_role", sa.String(length=20), nullable=False),
        sa.Column("rater_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("general_comment", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "rater_role IN ('apprentice', 'company_tutor', 'academic_tutor')",
            name=op.f("ck_grids_role_known"),
        ),
        sa.CheckConstraint("status IN ('draft', 'submitted')", name=op.f("ck_grids_status_known")),
        sa.ForeignKeyConstraint(
            ["apprenticeship_id"],
            ["apprenticeships.id"],
            name=op.f("fk_grids_apprenticeship_id_apprenticeships"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["rater_id"], ["users.id"], name=op.f("fk_grids_rater_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["semester_id"],
            ["semesters.id"],
            name=op.f("fk_grids_semester_id_semesters"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grids")),
        sa.UniqueConstraint(
            "apprenticeship_id",
            "semester_id",
            "rater_role",
            name=op.f("uq_grids_apprenticeship_id_semester_id_rater_role"),
        ),
    )
    with op.batch_alter_table("grids", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_grids_apprenticeship_id"), ["apprenticeship_id"], unique=False
        )

    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("competence_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("not_observed", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "NOT (not_observed AND level IS NOT NULL)",
            name=op.f("ck_ratings_level_or_not_observed"),
        ),
        sa.CheckConstraint("level IS NULL OR level >= 1", name=op.f("ck_ratings_level_positive")),
        sa.ForeignKeyConstraint(
            ["competence_id"],
            ["competences.id"],
            name=op.f("fk_ratings_competence_id_competences"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["grid_id"], ["grids.id"], name=op.f("fk_ratings_grid_id_grids"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
        sa.UniqueConstraint(
            "grid_id", "competence_id", name=op.f("uq_ratings_grid_id_competence_id")
        ),
    )
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ratings_competence_id"), ["competence_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ratings_competence_id"))

    op.drop_table("ratings")
    with op.batch_alter_table("grids", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grids_apprenticeship_id"))

    op.drop_table("grids")
