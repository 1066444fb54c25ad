"""People and access: cohorts, semesters, apprenticeships and periods, account tokens,
second factor, anonymisation, and the append-only audit log.

Revision ID: 4c1c9dd5dee4
Revises: a73eb80cdd53
Create Date: 2026-11-21 12:20:59.372707

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "4c1c9dd5dee4"
down_revision = "a73eb80cdd53"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "account_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "purpose IN ('reset', 'invitation')", name=op.f("ck_account_tokens_purpose_known")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_account_tokens_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_account_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_tokens_token_hash")),
    )
    with op.batch_alter_table("account_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_audit_events_actor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_object", ["object_type", "object_id"], unique=False)

    op.create_table(
        "cohorts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("certification_id", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("start_year", sa.Integer(), nullable=False),
        sa.Column("scale_labels", sa.JSON(), nullable=False),
        sa.Column("not_observed_label", sa.String(length=60), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "start_year BETWEEN 2000 AND 2100", name=op.f("ck_cohorts_start_year_plausible")
        ),
        sa.CheckConstraint("threshold >= 1", name=op.f("ck_cohorts_threshold_positive")),
        sa.ForeignKeyConstraint(
            ["certification_id"],
            ["certifications.id"],
            name=op.f("fk_cohorts_certification_id_certifications"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["tracks.id"],
            name=op.f("fk_cohorts_track_id_tracks"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohorts")),
        sa.UniqueConstraint("name", name=op.f("uq_cohorts_name")),
    )
    with op.batch_alter_table("cohorts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cohorts_certification_id"), ["certification_id"], unique=False
        )

    op.create_table(
        "apprenticeships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("apprentice_id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_on > starts_on", name=op.f("ck_apprenticeships_dates_ordered")),
        sa.ForeignKeyConstraint(
            ["apprentice_id"],
            ["users.id"],
            name=op.f("fk_apprenticeships_apprentice_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_apprenticeships_cohort_id_cohorts"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apprenticeships")),
        sa.UniqueConstraint(
            "cohort_id", "apprentice_id", name=op.f("uq_apprenticeships_cohort_id_apprentice_id")
        ),
    )
    with op.batch_alter_table("apprenticeships", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_apprenticeships_apprentice_id"), ["apprentice_id"], unique=False
        )

    op.create_table(
        "cohort_import_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("source_name", sa.String(length=255), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_cohort_import_drafts_cohort_id_cohorts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_cohort_import_drafts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort_import_drafts")),
        sa.UniqueConstraint("token", name=op.f("uq_cohort_import_drafts_token")),
    )
    op.create_table(
        "semesters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("window_opens_on", sa.Date(), nullable=False),
        sa.Column("window_closes_on", sa.Date(), nullable=False),
        sa.Column("expected_level", sa.Integer(), nullable=False),
        sa.CheckConstraint("ends_on > starts_on", name=op.f("ck_semesters_dates_ordered")),
        sa.CheckConstraint(
            "expected_level >= 1", name=op.f("ck_semesters_expected_level_positive")
        ),
        sa.CheckConstraint("number BETWEEN 1 AND 6", name=op.f("ck_semesters_number_in_range")),
        sa.CheckConstraint(
            "window_closes_on >= window_opens_on", name=op.f("ck_semesters_window_ordered")
        ),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_semesters_cohort_id_cohorts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_semesters")),
        sa.UniqueConstraint("cohort_id", "number", name=op.f("uq_semesters_cohort_id_number")),
    )
    op.create_table(
        "apprenticeship_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("apprenticeship_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("company_name", sa.String(length=200), nullable=False),
        sa.Column("siret", sa.String(length=14), nullable=False),
        sa.Column("company_tutor_id", sa.Integer(), nullable=False),
        sa.Column("academic_tutor_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "ends_on IS NULL OR ends_on >= starts_on",
            name=op.f("ck_apprenticeship_periods_dates_ordered"),
        ),
        sa.ForeignKeyConstraint(
            ["academic_tutor_id"],
            ["users.id"],
            name=op.f("fk_apprenticeship_periods_academic_tutor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["apprenticeship_id"],
            ["apprenticeships.id"],
            name=op.f("fk_apprenticeship_periods_apprenticeship_id_apprenticeships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["company_tutor_id"],
            ["users.id"],
            name=op.f("fk_apprenticeship_periods_company_tutor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apprenticeship_periods")),
        sa.UniqueConstraint(
            "apprenticeship_id",
            "starts_on",
            name=op.f("uq_apprenticeship_periods_apprenticeship_id_starts_on"),
        ),
    )
    with op.batch_alter_table("apprenticeship_periods", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_apprenticeship_periods_academic_tutor_id"),
            ["academic_tutor_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_apprenticeship_periods_apprenticeship_id"),
            ["apprenticeship_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_apprenticeship_periods_company_tutor_id"),
            ["company_tutor_id"],
            unique=False,
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))

    create_append_only_triggers()


# The audit log is append-only whatever the code does: the database refuses updates and
# deletes of its rows.
def create_append_only_triggers():
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
                "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
            )
    else:
        op.execute(
            "CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
        )


def drop_append_only_triggers():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute("DROP TRIGGER audit_events_no_delete")
    else:
        op.execute("DROP TRIGGER audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION audit_events_append_only()")


def downgrade():
    drop_append_only_triggers()
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("anonymised_at")
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_secret")

    with op.batch_alter_table("apprenticeship_periods", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_apprenticeship_periods_company_tutor_id"))
        batch_op.drop_index(batch_op.f("ix_apprenticeship_periods_apprenticeship_id"))
        batch_op.drop_index(batch_op.f("ix_apprenticeship_periods_academic_tutor_id"))

    op.drop_table("apprenticeship_periods")
    op.drop_table("semesters")
    op.drop_table("cohort_import_drafts")
    with op.batch_alter_table("apprenticeships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_apprenticeships_apprentice_id"))

    op.drop_table("apprenticeships")
    with op.batch_alter_table("cohorts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cohorts_certification_id"))

    op.drop_table("cohorts")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_object")

    op.drop_table("audit_events")
    with op.batch_alter_table("account_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_tokens_user_id"))

    op.drop_table("account_tokens")
