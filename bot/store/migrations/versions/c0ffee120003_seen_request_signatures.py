"""seen Slack request signatures: replays refused

Revision ID: c0ffee120003
Revises: c0ffee120002
Create Date: 2026-11-26 04:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'c0ffee120003'
down_revision: str | None = 'c0ffee120002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'seen_request',
        sa.Column('signature', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column('signed_at', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('signature'),
    )
    with op.batch_alter_table('seen_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seen_request_signed_at'), ['signed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('seen_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seen_request_signed_at'))
    op.drop_table('seen_request')
