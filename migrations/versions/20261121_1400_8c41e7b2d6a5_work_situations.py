"""Work situations: the apprentice's traces, their links to competences, their files
(stored on disk under generated names; the rows keep the sniffed type, size and SHA-256)
and the tutors' comments.

Revision ID: 8c41e7b2d6a5
Revises: 5d2f8a1c9e30
Create Date: 2026-11-21 14:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8c41e7b2d6a5"
down_revision = "5d2f8a1c9e30"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "work_situations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("apprenticeship_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("company_context", sa.Text(), nullable=False),
        sa.Column("what_was_done", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_work_situations_dates_ordered")),
        sa.ForeignKeyConstraint(
            ["apprenticeship_id"],
            ["apprenticeships.id"],
            name=op.f("fk_work_situations_apprenticeship_id_apprenticeships"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_situations")),
    )
    with op.batch_alter_table("work_situations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_work_situations_apprenticeship_id"), ["apprenticeship_id"], unique=False
        )

    op.create_table(
        "work_situation_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("situation_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_work_situation_comments_author_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["situation_id"],
            ["work_situations.id"],
            name=op.f("fk_work_situation_comments_situation_id_work_situations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_situation_comments")),
    )
    with op.batch_alter_table("work_situation_comments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_work_situation_comments_situation_id"), ["situation_id"], unique=False
        )

    op.create_table(
        "work_situation_competences",
        sa.Column("situation_id", sa.Integer(), nullable=False),
        sa.Column("competence_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["competence_id"],
            ["competences.id"],
            name=op.f("fk_work_situation_competences_competence_id_competences"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["situation_id"],
            ["work_situations.id"],
            name=op.f("fk_work_situation_competences_situation_id_work_situations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "situation_id", "competence_id", name=op.f("pk_work_situation_competences")
        ),
    )
    with op.batch_alter_table("work_situation_competences", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_work_situation_competences_competence_id"),
            ["competence_id"],
            unique=False,
        )

    op.create_table(
        "work_situation_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("situation_id", sa.Integer(), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "media_type IN ('application/pdf', 'image/png', 'image/jpeg')",
            name=op.f("ck_work_situation_files_media_type_known"),
        ),
        sa.CheckConstraint("size > 0", name=op.f("ck_work_situation_files_size_positive")),
        sa.ForeignKeyConstraint(
            ["situation_id"],
            ["work_situations.id"],
            name=op.f("fk_work_situation_files_situation_id_work_situations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_work_situation_files_uploaded_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_situation_files")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_work_situation_files_stored_name")),
    )
    with op.batch_alter_table("work_situation_files", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_work_situation_files_situation_id"), ["situation_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("work_situation_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_situation_files_situation_id"))

    op.drop_table("work_situation_files")
    with op.batch_alter_table("work_situation_competences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_situation_competences_competence_id"))

    op.drop_table("work_situation_competences")
    with op.batch_alter_table("work_situation_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_situation_comments_situation_id"))

    op.drop_table("work_situation_comments")
    with op.batch_alter_table("work_situations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_situations_apprenticeship_id"))

    op.drop_table("work_situations")
