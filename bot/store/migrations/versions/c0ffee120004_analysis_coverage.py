"""analysis coverage: how much of each site's profile a provider fetched

Revision ID: c0ffee120004
Revises: c0ffee120003
Create Date: 2026-11-26 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'c0ffee120004'
down_revision: str | None = 'c0ffee120003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('analysis', schema=None) as batch_op:
        batch_op.add_column(sa.Column('coverage', sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('analysis', schema=None) as batch_op:
        batch_op.drop_column('coverage')
