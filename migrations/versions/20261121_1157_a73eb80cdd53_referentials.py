"""Referentials: certifications, blocks, competences, tracks, requirements, import drafts.

Revision ID: a73eb80cdd53
Revises: 34e45db1284b
Create Date: 2026-11-21 11:57:52.905139

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a73eb80cdd53"
down_revision = "34e45db1284b"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "certifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=True),
        sa.Column("certifiers", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("registration_end", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=100), nullable=False),
        sa.Column("jury_composition", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_name", sa.String(length=255), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("version >= 1", name=op.f("ck_certifications_version_positive")),
        sa.ForeignKeyConstraint(
            ["imported_by_id"],
            ["users.id"],
            name=op.f("fk_certifications_imported_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certifications")),
        sa.UniqueConstraint("code", "version", name=op.f("uq_certifications_code_version")),
    )
    with op.batch_alter_table("certifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certifications_code"), ["code"], unique=False)

    op.create_table(
        "referential_import_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_name", sa.String(length=255), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_referential_import_drafts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referential_import_drafts")),
        sa.UniqueConstraint("token", name=op.f("uq_referential_import_drafts_token")),
    )
    op.create_table(
        "blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certification_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("assessment_methods", sa.Text(), nullable=False),
        sa.Column("raw_competences", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["certification_id"],
            ["certifications.id"],
            name=op.f("fk_blocks_certification_id_certifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blocks")),
        sa.UniqueConstraint(
            "certification_id", "code", name=op.f("uq_blocks_certification_id_code")
        ),
        sa.UniqueConstraint(
            "certification_id", "position", name=op.f("uq_blocks_certification_id_position")
        ),
    )
    op.create_table(
        "requirements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certification_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('english', 'mobility', 'report', 'defence', 'final_project', 'company_opinion')",
            name=op.f("ck_requirements_kind_known"),
        ),
        sa.ForeignKeyConstraint(
            ["certification_id"],
            ["certifications.id"],
            name=op.f("fk_requirements_certification_id_certifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requirements")),
    )
    op.create_table(
        "tracks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certification_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["certification_id"],
            ["certifications.id"],
            name=op.f("fk_tracks_certification_id_certifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracks")),
        sa.UniqueConstraint(
            "certification_id", "name", name=op.f("uq_tracks_certification_id_name")
        ),
    )
    op.create_table(
        "competences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("block_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sub_skills", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["block_id"],
            ["blocks.id"],
            name=op.f("fk_competences_block_id_blocks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competences")),
        sa.UniqueConstraint("block_id", "code", name=op.f("uq_competences_block_id_code")),
        sa.UniqueConstraint("block_id", "position", name=op.f("uq_competences_block_id_position")),
    )
    op.create_table(
        "track_blocks",
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("block_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["block_id"],
            ["blocks.id"],
            name=op.f("fk_track_blocks_block_id_blocks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["tracks.id"],
            name=op.f("fk_track_blocks_track_id_tracks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("track_id", "block_id", name=op.f("pk_track_blocks")),
    )


def downgrade():
    op.drop_table("track_blocks")
    op.drop_table("competences")
    op.drop_table("tracks")
    op.drop_table("requirements")
    op.drop_table("blocks")
    op.drop_table("referential_import_drafts")
    with op.batch_alter_table("certifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certifications_code"))

    op.drop_table("certifications")
