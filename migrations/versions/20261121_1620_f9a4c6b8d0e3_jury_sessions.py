"""Jury sessions: the session of a certification's jury (date, place, open or closed),
its members (jury accounts; professional or academic, employer or employee representative
for a CQPM; one president), its candidates with their overall decision, and the decision
per block. Once a session is closed the database refuses any change to it or its rows.

Revision ID: f9a4c6b8d0e3
Revises: e8f3b5a7c9d2
Create Date: 2026-11-21 16:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f9a4c6b8d0e3"
down_revision = "e8f3b5a7c9d2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "jury_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certification_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'closed')", name=op.f("ck_jury_sessions_status_known")
        ),
        sa.CheckConstraint(
            "(status = 'open' AND closed_at IS NULL AND closed_by_id IS NULL) OR "
            "(status = 'closed' AND closed_at IS NOT NULL AND closed_by_id IS NOT NULL)",
            name=op.f("ck_jury_sessions_closed_complete"),
        ),
        sa.ForeignKeyConstraint(
            ["certification_id"],
            ["certifications.id"],
            name=op.f("fk_jury_sessions_certification_id_certifications"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"],
            ["users.id"],
            name=op.f("fk_jury_sessions_closed_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_jury_sessions_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jury_sessions")),
    )
    with op.batch_alter_table("jury_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_jury_sessions_certification_id"), ["certification_id"], unique=False
        )

    op.create_table(
        "jury_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jury_session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("representation", sa.String(length=10), nullable=True),
        sa.Column("capacity", sa.String(length=200), nullable=False),
        sa.Column("is_president", sa.Boolean(), nullable=False),
        sa.Column("represents_head", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('professional', 'academic')", name=op.f("ck_jury_members_kind_known")
        ),
        sa.CheckConstraint(
            "representation IS NULL OR representation IN ('employer', 'employee')",
            name=op.f("ck_jury_members_representation_known"),
        ),
        sa.CheckConstraint(
            "is_president OR NOT represents_head", name=op.f("ck_jury_members_head_presides")
        ),
        sa.ForeignKeyConstraint(
            ["jury_session_id"],
            ["jury_sessions.id"],
            name=op.f("fk_jury_members_jury_session_id_jury_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_jury_members_user_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jury_members")),
        sa.UniqueConstraint(
            "jury_session_id", "user_id", name=op.f("uq_jury_members_jury_session_id_user_id")
        ),
    )
    with op.batch_alter_table("jury_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jury_members_user_id"), ["user_id"], unique=False)
        # One president per session: unique among the rows that preside.
        batch_op.create_index(
            "uq_jury_members_one_president",
            ["jury_session_id"],
            unique=True,
            sqlite_where=sa.text("is_president"),
            postgresql_where=sa.text("is_president"),
        )

    op.create_table(
        "jury_candidates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jury_session_id", sa.Integer(), nullable=False),
        sa.Column("apprenticeship_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=15), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "decision IS NULL OR decision IN ('awarded', 'not_awarded', 'deferred')",
            name=op.f("ck_jury_candidates_decision_known"),
        ),
        sa.CheckConstraint(
            "(decision IS NULL AND decided_by_id IS NULL AND decided_at IS NULL) OR "
            "(decision IS NOT NULL AND decided_by_id IS NOT NULL AND decided_at IS NOT NULL)",
            name=op.f("ck_jury_candidates_decision_complete"),
        ),
        sa.ForeignKeyConstraint(
            ["apprenticeship_id"],
            ["apprenticeships.id"],
            name=op.f("fk_jury_candidates_apprenticeship_id_apprenticeships"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_jury_candidates_decided_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["jury_session_id"],
            ["jury_sessions.id"],
            name=op.f("fk_jury_candidates_jury_session_id_jury_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jury_candidates")),
        sa.UniqueConstraint(
            "jury_session_id",
            "apprenticeship_id",
            name=op.f("uq_jury_candidates_jury_session_id_apprenticeship_id"),
        ),
    )
    with op.batch_alter_table("jury_candidates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_jury_candidates_apprenticeship_id"), ["apprenticeship_id"], unique=False
        )

    op.create_table(
        "jury_block_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("block_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=15), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "decision IN ('acquired', 'not_acquired', 'deferred')",
            name=op.f("ck_jury_block_decisions_decision_known"),
        ),
        sa.ForeignKeyConstraint(
            ["block_id"],
            ["blocks.id"],
            name=op.f("fk_jury_block_decisions_block_id_blocks"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["jury_candidates.id"],
            name=op.f("fk_jury_block_decisions_candidate_id_jury_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_jury_block_decisions_decided_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jury_block_decisions")),
        sa.UniqueConstraint(
            "candidate_id", "block_id", name=op.f("uq_jury_block_decisions_candidate_id_block_id")
        ),
    )
    create_closed_session_guards()


def downgrade():
    drop_closed_session_guards()
    op.drop_table("jury_block_decisions")
    with op.batch_alter_table("jury_candidates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jury_candidates_apprenticeship_id"))

    op.drop_table("jury_candidates")
    with op.batch_alter_table("jury_members", schema=None) as batch_op:
        batch_op.drop_index("uq_jury_members_one_president")
        batch_op.drop_index(batch_op.f("ix_jury_members_user_id"))

    op.drop_table("jury_members")
    with op.batch_alter_table("jury_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jury_sessions_certification_id"))

    op.drop_table("jury_sessions")


# A closed session is final, whatever the code does: the session row, its members, its
# candidates and their block decisions refuse INSERT, UPDATE and DELETE. There is no
# reopening: a decision taken by a jury that closed is changed by another session.
CLOSED_SESSION = (
    "EXISTS (SELECT 1 FROM jury_sessions s WHERE s.id = {row}.jury_session_id "
    "AND s.status = 'closed')"
)
CLOSED_CANDIDATE = (
    "EXISTS (SELECT 1 FROM jury_candidates c JOIN jury_sessions s ON s.id = c.jury_session_id "
    "WHERE c.id = {row}.candidate_id AND s.status = 'closed')"
)

# (table, event, condition) of every refusal.
GUARDS = [
    ("jury_sessions", "UPDATE", "OLD.status = 'closed'"),
    ("jury_sessions", "DELETE", "OLD.status = 'closed'"),
    ("jury_members", "INSERT", CLOSED_SESSION.format(row="NEW")),
    ("jury_members", "UPDATE", CLOSED_SESSION.format(row="OLD")),
    ("jury_members", "DELETE", CLOSED_SESSION.format(row="OLD")),
    ("jury_candidates", "INSERT", CLOSED_SESSION.format(row="NEW")),
    ("jury_candidates", "UPDATE", CLOSED_SESSION.format(row="OLD")),
    ("jury_candidates", "DELETE", CLOSED_SESSION.format(row="OLD")),
    ("jury_block_decisions", "INSERT", CLOSED_CANDIDATE.format(row="NEW")),
    ("jury_block_decisions", "UPDATE", CLOSED_CANDIDATE.format(row="OLD")),
    ("jury_block_decisions", "DELETE", CLOSED_CANDIDATE.format(row="OLD")),
]


def _name(table, event):
    return f"{table}_closed_no_{event.lower()}"


def create_closed_session_guards():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, event, condition in GUARDS:
        name = _name(table, event)
        message = f"{table}: a closed jury session is read-only ({event})"
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


def drop_closed_session_guards():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, event, _condition in GUARDS:
        name = _name(table, event)
        if sqlite:
            op.execute(f"DROP TRIGGER {name}")
        else:
            op.execute(f"DROP TRIGGER {name} ON {table}")
            op.execute(f"DROP FUNCTION {name}()")
