"""moderator settings (tip texts open or behind a content note) and case notes

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 13:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('moderators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('show_tip_text', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.create_table(
        'case_notes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('institution_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('purged_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['author_id'], ['moderators.id'],
                                name=op.f('fk_case_notes_author_id_moderators')),
        sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'],
                                name=op.f('fk_case_notes_institution_id_institutions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_notes')),
    )
    with op.batch_alter_table('case_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_notes_institution_id'), ['institution_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('case_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_notes_institution_id'))
    op.drop_table('case_notes')
    with op.batch_alter_table('moderators', schema=None) as batch_op:
        batch_op.drop_column('show_tip_text')
