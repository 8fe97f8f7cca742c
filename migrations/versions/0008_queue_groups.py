"""the review queue's groups, counted by the database

One row per institution with pending tips: how many, and the oldest one's arrival. Triggers on
`reports` keep it in step with every insert, delete and change of a tip's status, institution
or arrival time, from whatever code path (the ORM, bulk updates, the purge, psql), so the
queue reads it instead of grouping every pending tip on each request. A tip that leaves a
group lowers its count (never a recount: a flood of 10,000 tips rejected at once stays linear)
and takes the group's oldest time from ix_reports_queue's first entry; a group at zero is
removed. On PostgreSQL the group's row is locked before it is read, so two moderators deciding
tips of one institution at once each see the other's committed change.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 20:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

PENDING = "status = 'pending' AND institution_id IS NOT NULL"
FILL = ("INSERT INTO queue_groups (institution_id, tips, oldest) "
        "SELECT institution_id, count(*), min(created_at) FROM reports "
        f"WHERE {PENDING} GROUP BY institution_id")

POSTGRESQL = """
CREATE FUNCTION queue_groups_follow_reports() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.status = 'pending' AND OLD.institution_id IS NOT NULL THEN
        PERFORM 1 FROM queue_groups WHERE institution_id = OLD.institution_id FOR UPDATE;
        UPDATE queue_groups SET tips = tips - 1,
               oldest = coalesce((SELECT min(created_at) FROM reports WHERE status = 'pending'
                                  AND institution_id = OLD.institution_id), oldest)
         WHERE institution_id = OLD.institution_id;
        DELETE FROM queue_groups WHERE institution_id = OLD.institution_id AND tips <= 0;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.status = 'pending' AND NEW.institution_id IS NOT NULL THEN
        INSERT INTO queue_groups AS g (institution_id, tips, oldest)
        VALUES (NEW.institution_id, 1, NEW.created_at)
        ON CONFLICT (institution_id) DO UPDATE
           SET tips = g.tips + 1, oldest = LEAST(g.oldest, excluded.oldest);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER reports_queue_groups
AFTER INSERT OR DELETE OR UPDATE OF status, institution_id, created_at ON reports
FOR EACH ROW EXECUTE FUNCTION queue_groups_follow_reports();
"""

# SQLite: one writer at a time, so no lock; a trigger's statements run in order.
LEAVE = """
UPDATE queue_groups SET tips = tips - 1,
       oldest = coalesce((SELECT min(created_at) FROM reports WHERE status = 'pending'
                          AND institution_id = old.institution_id), oldest)
 WHERE institution_id = old.institution_id;
DELETE FROM queue_groups WHERE institution_id = old.institution_id AND tips <= 0;
"""
JOIN = """
INSERT INTO queue_groups (institution_id, tips, oldest)
VALUES (new.institution_id, 1, new.created_at)
ON CONFLICT (institution_id) DO UPDATE
   SET tips = tips + 1, oldest = min(oldest, excluded.oldest);
"""
OLD_PENDING = "old.status = 'pending' AND old.institution_id IS NOT NULL"
NEW_PENDING = "new.status = 'pending' AND new.institution_id IS NOT NULL"
CHANGED = "UPDATE OF status, institution_id, created_at"
SQLITE_TRIGGERS = {
    "queue_groups_ai": ("INSERT", NEW_PENDING, JOIN),
    "queue_groups_ad": ("DELETE", OLD_PENDING, LEAVE),
    "queue_groups_au_leave": (CHANGED, OLD_PENDING, LEAVE),
    "queue_groups_au_join": (CHANGED, NEW_PENDING, JOIN),
}


def upgrade():
    op.create_table(
        'queue_groups',
        sa.Column('institution_id', sa.Integer(), nullable=False),
        sa.Column('tips', sa.Integer(), nullable=False),
        sa.Column('oldest', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'],
                                name=op.f('fk_queue_groups_institution_id_institutions')),
        sa.PrimaryKeyConstraint('institution_id', name=op.f('pk_queue_groups')),
    )
    # The triggers first: on PostgreSQL making one locks `reports` against writes until the
    # migration commits, so no tip can arrive between the count and the triggers.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRESQL)
    else:
        for name, (event, when, body) in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON reports WHEN {when} "
                       f"BEGIN {body} END")
    op.execute(FILL)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS reports_queue_groups ON reports")
        op.execute("DROP FUNCTION IF EXISTS queue_groups_follow_reports()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table('queue_groups')
