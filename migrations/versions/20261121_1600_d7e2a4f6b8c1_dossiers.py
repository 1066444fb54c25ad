"""Jury dossiers: one row per rendered content (named by the SHA-256 of its data), with the
short verification code printed on its pages and what the public verification page shows.

Revision ID: d7e2a4f6b8c1
Revises: c5d1e8f3a9b2
Create Date: 2026-11-21 16:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d7e2a4f6b8c1"
down_revision = "c5d1e8f3a9b2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "dossiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("apprenticeship_id", sa.Integer(), nullable=False),
        sa.Column("rendered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("stored_name", sa.String(length=80), nullable=False),
        sa.Column("apprentice_name", sa.String(length=200), nullable=False),
        sa.Column("certification_code", sa.String(length=20), nullable=False),
        sa.Column("certification_title", sa.Text(), nullable=False),
        sa.CheckConstraint("page_count >= 1", name=op.f("ck_dossiers_page_count_positive")),
        sa.CheckConstraint("size > 0", name=op.f("ck_dossiers_size_positive")),
        sa.ForeignKeyConstraint(
            ["apprenticeship_id"],
            ["apprenticeships.id"],
            name=op.f("fk_dossiers_apprenticeship_id_apprenticeships"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossiers")),
        sa.UniqueConstraint("code", name=op.f("uq_dossiers_code")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_dossiers_fingerprint")),
    )
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dossiers_apprenticeship_id"), ["apprenticeship_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dossiers_apprenticeship_id"))
    op.drop_table("dossiers")
