"""reminders: short renewed leases, per-reminder retries with backoff, a failed state

Revision ID: c0ffee120002
Revises: c0ffee120001
Create Date: 2026-11-26 03:00:00
"""

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'c0ffee120002'
down_revision: str | None = 'c0ffee120001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Before this revision a claim was taken over after 15 minutes; claims made then keep that.
OLD_STALE_CLAIM = timedelta(minutes=15)


def upgrade() -> None:
    with op.batch_alter_table('outreach_reminder', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('attempts', sa.Integer(), nullable=False, server_default='0')
        )
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('retry_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column('first_claimed_at', sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                'last_error', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True
            )
        )
    _lease_claims_in_flight()


def _lease_claims_in_flight() -> None:
    """Rows claimed when the upgrade runs: one try made, held as long as before."""
    reminder = sa.table(
        'outreach_reminder',
        sa.column('id', sa.Integer()),
        sa.column('state', sa.String()),
        sa.column('claimed_at', sa.DateTime(timezone=True)),
        sa.column('attempts', sa.Integer()),
        sa.column('lease_until', sa.DateTime(timezone=True)),
        sa.column('first_claimed_at', sa.DateTime(timezone=True)),
    )
    connection = op.get_bind()
    claimed = connection.execute(
        sa.select(reminder.c.id, reminder.c.claimed_at).where(
            reminder.c.state == 'claimed', reminder.c.claimed_at.is_not(None)
        )
    ).all()
    for reminder_id, claimed_at in claimed:
        connection.execute(
            reminder.update()
            .where(reminder.c.id == reminder_id)
            .values(
                attempts=1,
                first_claimed_at=claimed_at,
                lease_until=claimed_at + OLD_STALE_CLAIM,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table('outreach_reminder', schema=None) as batch_op:
        batch_op.drop_column('last_error')
        batch_op.drop_column('first_claimed_at')
        batch_op.drop_column('retry_at')
        batch_op.drop_column('lease_until')
        batch_op.drop_column('attempts')
