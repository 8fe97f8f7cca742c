"""institution name forms, indexed for search

One row per form of each institution's name (geodata/nameforms.py), with a B-tree for exact
and prefix matches and a trigram index for substrings and typing mistakes: FTS5 with the
trigram tokenizer on SQLite (kept in step with the table by triggers), pg_trgm's GIN index
on PostgreSQL. The forms are written by `flask geodata load` (run it after this upgrade).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 14:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('institution_names',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('form', sa.String(length=400), nullable=False),
    sa.Column('what', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_institution_names_institution_id_institutions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_institution_names'))
    )
    with op.batch_alter_table('institution_names', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_institution_names_institution_id'), ['institution_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        # Byte order, so that a prefix is a range whatever the database's collation.
        op.execute('CREATE INDEX ix_institution_names_form ON institution_names '
                   '(form COLLATE "C")')
        op.execute("CREATE INDEX ix_institution_names_form_trgm ON institution_names "
                   "USING gin (form gin_trgm_ops)")
        # Proper names alone (what = 4), for typing mistakes.
        op.execute("CREATE INDEX ix_institution_names_proper_trgm ON institution_names "
                   "USING gin (form gin_trgm_ops) WHERE what = 4")
        return
    op.create_index('ix_institution_names_form', 'institution_names', ['form'])
    op.execute("CREATE VIRTUAL TABLE institution_names_fts USING fts5(form, "
               "content='institution_names', content_rowid='id', tokenize='trigram')")
    op.execute("CREATE TRIGGER institution_names_ai AFTER INSERT ON institution_names BEGIN "
               "INSERT INTO institution_names_fts(rowid, form) VALUES (new.id, new.form); END")
    op.execute("CREATE TRIGGER institution_names_ad AFTER DELETE ON institution_names BEGIN "
               "INSERT INTO institution_names_fts(institution_names_fts, rowid, form) "
               "VALUES ('delete', old.id, old.form); END")
    op.execute("CREATE TRIGGER institution_names_au AFTER UPDATE ON institution_names BEGIN "
               "INSERT INTO institution_names_fts(institution_names_fts, rowid, form) "
               "VALUES ('delete', old.id, old.form); "
               "INSERT INTO institution_names_fts(rowid, form) VALUES (new.id, new.form); END")
    # Proper names alone (what = 4), for typing mistakes: rows are only ever inserted and
    # deleted (textsearch.write_forms), never updated.
    op.execute("CREATE VIRTUAL TABLE institution_propers_fts USING fts5(form, "
               "content='institution_names', content_rowid='id', tokenize='trigram')")
    op.execute("CREATE TRIGGER institution_propers_ai AFTER INSERT ON institution_names "
               "WHEN new.what = 4 BEGIN "
               "INSERT INTO institution_propers_fts(rowid, form) VALUES (new.id, new.form); END")
    op.execute("CREATE TRIGGER institution_propers_ad AFTER DELETE ON institution_names "
               "WHEN old.what = 4 BEGIN "
               "INSERT INTO institution_propers_fts(institution_propers_fts, rowid, form) "
               "VALUES ('delete', old.id, old.form); END")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        for trigger in ("names_ai", "names_ad", "names_au", "propers_ai", "propers_ad"):
            op.execute(f"DROP TRIGGER IF EXISTS institution_{trigger}")
        op.execute("DROP TABLE IF EXISTS institution_names_fts")
        op.execute("DROP TABLE IF EXISTS institution_propers_fts")
    op.execute("DROP INDEX IF EXISTS ix_institution_names_proper_trgm")
    op.execute("DROP INDEX IF EXISTS ix_institution_names_form_trgm")
    op.execute("DROP INDEX IF EXISTS ix_institution_names_form")
    with op.batch_alter_table('institution_names', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_institution_names_institution_id'))
    op.drop_table('institution_names')
