"""Background jobs: a job (status, counters moved by the workers, the zip once done) and one
item per dossier (its outcome: the PDF rendered, or the reason it failed).

Revision ID: e8f3b5a7c9d2
Revises: d7e2a4f6b8c1
Create Date: 2026-11-21 16:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e8f3b5a7c9d2"
down_revision = "d7e2a4f6b8c1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("archive_name", sa.String(length=120), nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("processed_count", sa.Integer(), nullable=False),
        sa.Column("failed_count", sa.Integer(), nullable=False),
        sa.Column("result_name", sa.String(length=64), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('dossiers')", name=op.f("ck_jobs_kind_known")),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')", name=op.f("ck_jobs_status_known")
        ),
        sa.CheckConstraint("total > 0", name=op.f("ck_jobs_total_positive")),
        sa.CheckConstraint(
            "processed_count BETWEEN 0 AND total", name=op.f("ck_jobs_processed_in_range")
        ),
        sa.CheckConstraint(
            "failed_count BETWEEN 0 AND processed_count", name=op.f("ck_jobs_failed_in_range")
        ),
        sa.CheckConstraint(
            "(status IN ('done', 'failed')) = (finished_at IS NOT NULL)",
            name=op.f("ck_jobs_finished_when_over"),
        ),
        sa.CheckConstraint(
            "result_name IS NULL OR status = 'done'", name=op.f("ck_jobs_result_when_done")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_jobs_requested_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_jobs_requested_by_id"), ["requested_by_id"], unique=False
        )

    op.create_table(
        "job_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("apprenticeship_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("pdf_path", sa.String(length=1000), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'done', 'failed')", name=op.f("ck_job_items_status_known")
        ),
        sa.CheckConstraint(
            "(status = 'failed') = (message <> '')", name=op.f("ck_job_items_message_when_failed")
        ),
        sa.CheckConstraint(
            "(status = 'done') = (pdf_path <> '')", name=op.f("ck_job_items_pdf_when_done")
        ),
        sa.CheckConstraint(
            "(status = 'pending') = (finished_at IS NULL)",
            name=op.f("ck_job_items_finished_when_over"),
        ),
        sa.ForeignKeyConstraint(
            ["apprenticeship_id"],
            ["apprenticeships.id"],
            name=op.f("fk_job_items_apprenticeship_id_apprenticeships"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_job_items_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_items")),
        sa.UniqueConstraint("job_id", "position", name=op.f("uq_job_items_job_id_position")),
    )
    with op.batch_alter_table("job_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_job_items_apprenticeship_id"), ["apprenticeship_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_job_items_job_id"), ["job_id"], unique=False)


def downgrade():
    with op.batch_alter_table("job_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_items_job_id"))
        batch_op.drop_index(batch_op.f("ix_job_items_apprenticeship_id"))
    op.drop_table("job_items")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jobs_requested_by_id"))
    op.drop_table("jobs")
