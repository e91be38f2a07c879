"""workspace settings: paid sources allowed, daily budget

Revision ID: c0ffee120001
Revises: b3aa8d3355cf
Create Date: 2026-11-26 02:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c0ffee120001'
down_revision: str | None = 'b3aa8d3355cf'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('workspace_settings', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('paid_sources', sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(sa.Column('daily_budget_usd', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('workspace_settings', schema=None) as batch_op:
        batch_op.drop_column('daily_budget_usd')
        batch_op.drop_column('paid_sources')
