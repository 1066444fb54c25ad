"""Conditions of award: the evidence of each contract (English certificates, mobility
periods, the final assessment of report and defence, company opinions), each validated or
refused by the academic tutor or the programme manager, and the proofs (stored on disk
under generated names; the rows keep the sniffed type, size and SHA-256).

Revision ID: c5d1e8f3a9b2
Revises: b3f9c2e7a1d4
Create Date: 2026-11-21 15:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c5d1e8f3a9b2"
down_revision = "b3f9c2e7a1d4"
branch_labels = None
depends_on = None

EVIDENCE_TABLES = (
    "english_certificates",
    "mobility_periods",
    "final_assessments",
    "company_opinions",
)


def _review_columns() -> list[sa.Column]:
    """The id and the contract every evidence table starts with."""
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("apprenticeship_id", sa.Integer(), nullable=False),
    ]


def _review_state(table: str) -> list:
    """Review columns and constraints shared by every evidence table (ReviewMixin)."""
    return [
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refusal_reason", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('submitted', 'validated', 'refused')",
            name=op.f(f"ck_{table}_status_known"),
        ),
        sa.CheckConstraint(
            "(status = 'submitted' AND reviewed_by_id IS NULL AND reviewed_at IS NULL) OR "
            "(status <> 'submitted' AND reviewed_by_id IS NOT NULL AND reviewed_at IS NOT NULL)",
            name=op.f(f"ck_{table}_review_complete"),
        ),
        sa.CheckConstraint(
            "(status = 'refused') = (refusal_reason <> '')",
            name=op.f(f"ck_{table}_reason_when_refused"),
        ),
        sa.ForeignKeyConstraint(
            ["apprenticeship_id"],
            ["apprenticeships.id"],
            name=op.f(f"fk_{table}_apprenticeship_id_apprenticeships"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["users.id"],
            name=op.f(f"fk_{table}_reviewed_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def _proof(table: str) -> list:
    """The optional proof of a certificate or a mobility period (ProofMixin)."""
    return [
        sa.Column("proof_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["proof_id"],
            ["condition_proofs.id"],
            name=op.f(f"fk_{table}_proof_id_condition_proofs"),
            ondelete="RESTRICT",
        ),
        sa.UniqueConstraint("proof_id", name=op.f(f"uq_{table}_proof_id")),
    ]


def upgrade():
    op.create_table(
        "condition_proofs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "media_type IN ('application/pdf', 'image/png', 'image/jpeg')",
            name=op.f("ck_condition_proofs_media_type_known"),
        ),
        sa.CheckConstraint("size > 0", name=op.f("ck_condition_proofs_size_positive")),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_condition_proofs_uploaded_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_condition_proofs")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_condition_proofs_stored_name")),
    )

    op.create_table(
        "english_certificates",
        *_review_columns(),
        sa.Column("test_name", sa.String(length=80), nullable=False),
        sa.Column("score", sa.String(length=40), nullable=False),
        sa.Column("level", sa.String(length=2), nullable=False),
        sa.Column("taken_on", sa.Date(), nullable=False),
        *_proof("english_certificates"),
        *_review_state("english_certificates"),
        sa.CheckConstraint(
            "level IN ('A1', 'A2', 'B1', 'B2', 'C1', 'C2')",
            name=op.f("ck_english_certificates_level_known"),
        ),
    )

    op.create_table(
        "mobility_periods",
        *_review_columns(),
        sa.Column("country", sa.String(length=100), nullable=False),
        sa.Column("host", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        *_proof("mobility_periods"),
        *_review_state("mobility_periods"),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_mobility_periods_dates_ordered")),
    )

    op.create_table(
        "final_assessments",
        *_review_columns(),
        sa.Column("report_submitted_on", sa.Date(), nullable=True),
        sa.Column("defence_on", sa.Date(), nullable=True),
        sa.Column("result", sa.String(length=10), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        *_review_state("final_assessments"),
        sa.CheckConstraint(
            "result IN ('pending', 'passed', 'failed')",
            name=op.f("ck_final_assessments_result_known"),
        ),
        sa.CheckConstraint(
            "result = 'pending' OR defence_on IS NOT NULL",
            name=op.f("ck_final_assessments_result_after_defence"),
        ),
        sa.UniqueConstraint(
            "apprenticeship_id", name=op.f("uq_final_assessments_apprenticeship_id")
        ),
    )

    op.create_table(
        "company_opinions",
        *_review_columns(),
        sa.Column("opinion", sa.String(length=15), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("company_name", sa.String(length=200), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        *_review_state("company_opinions"),
        sa.CheckConstraint(
            "opinion IN ('favourable', 'unfavourable')",
            name=op.f("ck_company_opinions_opinion_known"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_company_opinions_author_id_users"),
            ondelete="RESTRICT",
        ),
    )

    for table in EVIDENCE_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f(f"ix_{table}_apprenticeship_id"), ["apprenticeship_id"], unique=False
            )


def downgrade():
    for table in reversed(EVIDENCE_TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_apprenticeship_id"))

        op.drop_table(table)
    op.drop_table("condition_proofs")
