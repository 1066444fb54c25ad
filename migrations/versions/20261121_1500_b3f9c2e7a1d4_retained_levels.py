"""Retained levels: per contract and competence, the latest and the best agreed level of
the locked semesters, so cohort pages read one row per apprentice × competence.

The table is derived data: the upgrade fills it from the locked reviews already signed.

Revision ID: b3f9c2e7a1d4
Revises: 8c41e7b2d6a5
Create Date: 2026-11-21 15:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b3f9c2e7a1d4"
down_revision = "8c41e7b2d6a5"
branch_labels = None
depends_on = None

# The agreed levels of locked semesters, one row per contract × competence × semester.
SIGNED = """
    SELECT r.apprenticeship_id, a.competence_id, s.number, a.level
    FROM reviews r
    JOIN semesters s ON s.id = r.semester_id
    JOIN agreed_levels a ON a.review_id = r.id
    WHERE r.status = 'locked' AND a.level IS NOT NULL
"""


def upgrade():
    op.create_table(
        "retained_levels",
        sa.Column("apprenticeship_id", sa.Integer(), nullable=False),
        sa.Column("competence_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("semester", sa.Integer(), nullable=False),
        sa.Column("best", sa.Integer(), nullable=False),
        sa.Column("best_semester", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "level >= 1 AND best >= level", name=op.f("ck_retained_levels_levels_ordered")
        ),
        sa.CheckConstraint(
            "semester BETWEEN 1 AND 6", name=op.f("ck_retained_levels_semester_in_range")
        ),
        sa.CheckConstraint(
            "best_semester BETWEEN 1 AND 6",
            name=op.f("ck_retained_levels_best_semester_in_range"),
        ),
        sa.ForeignKeyConstraint(
            ["apprenticeship_id"],
            ["apprenticeships.id"],
            name=op.f("fk_retained_levels_apprenticeship_id_apprenticeships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["competence_id"],
            ["competences.id"],
            name=op.f("fk_retained_levels_competence_id_competences"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "apprenticeship_id", "competence_id", name=op.f("pk_retained_levels")
        ),
    )
    # Same rule as progress.rules.standings: the latest level, and the best with the
    # first semester that reached it.
    # SIGNED is a constant of this file: no input reaches this statement.
    op.execute(
        f"""
        INSERT INTO retained_levels
            (apprenticeship_id, competence_id, level, semester, best, best_semester)
        SELECT latest.apprenticeship_id, latest.competence_id, latest.level, latest.number,
               top.best, (SELECT MIN(x.number) FROM ({SIGNED}) x
                          WHERE x.apprenticeship_id = latest.apprenticeship_id
                            AND x.competence_id = latest.competence_id
                            AND x.level = top.best)
        FROM ({SIGNED}) latest
        JOIN (SELECT apprenticeship_id, competence_id, MAX(number) AS number,
                     MAX(level) AS best
              FROM ({SIGNED}) y GROUP BY apprenticeship_id, competence_id) top
          ON top.apprenticeship_id = latest.apprenticeship_id
         AND top.competence_id = latest.competence_id
         AND top.number = latest.number
        """  # noqa: S608
    )


def downgrade():
    op.drop_table("retained_levels")
