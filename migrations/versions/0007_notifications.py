"""notifications, and the queue's search

Moderators' notification choices and the record of what was delivered; an index for the
queue's category filter; a trigram index of pending tips' text for the moderators' search
(pg_trgm's GIN on PostgreSQL, FTS5 with the trigram tokenizer on SQLite, kept in step with
the table by triggers, so a purged text leaves the index too).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 14:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('moderators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify_email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('digest_hours', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('notify_alerts', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('last_digest_at', sa.DateTime(), nullable=True))
    op.create_table(
        'notices_sent',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_notices_sent')),
    )
    with op.batch_alter_table('notices_sent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notices_sent_sent_at'), ['sent_at'], unique=False)
    op.create_index('ix_reports_queue_category', 'reports',
                    ['status', 'category', 'institution_id', 'created_at'])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_reports_description_trgm ON reports "
                   "USING gin (description gin_trgm_ops) WHERE status = 'pending'")
        return
    op.execute("CREATE VIRTUAL TABLE reports_fts USING fts5(description, "
               "content='reports', content_rowid='id', tokenize='trigram')")
    op.execute("INSERT INTO reports_fts(reports_fts) VALUES ('rebuild')")
    op.execute("CREATE TRIGGER reports_fts_ai AFTER INSERT ON reports BEGIN "
               "INSERT INTO reports_fts(rowid, description) VALUES (new.id, new.description); "
               "END")
    op.execute("CREATE TRIGGER reports_fts_ad AFTER DELETE ON reports BEGIN "
               "INSERT INTO reports_fts(reports_fts, rowid, description) "
               "VALUES ('delete', old.id, old.description); END")
    op.execute("CREATE TRIGGER reports_fts_au AFTER UPDATE OF description ON reports BEGIN "
               "INSERT INTO reports_fts(reports_fts, rowid, description) "
               "VALUES ('delete', old.id, old.description); "
               "INSERT INTO reports_fts(rowid, description) VALUES (new.id, new.description); "
               "END")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        for trigger in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS reports_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS reports_fts")
    op.execute("DROP INDEX IF EXISTS ix_reports_description_trgm")
    op.drop_index('ix_reports_queue_category', table_name='reports')
    with op.batch_alter_table('notices_sent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notices_sent_sent_at'))
    op.drop_table('notices_sent')
    with op.batch_alter_table('moderators', schema=None) as batch_op:
        batch_op.drop_column('last_digest_at')
        batch_op.drop_column('notify_alerts')
        batch_op.drop_column('digest_hours')
        batch_op.drop_column('notify_email')
