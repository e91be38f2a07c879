"""contact lookups (issue 14): a domain's candidates per workspace, with their date

Revision ID: c0ffee120006
Revises: c0ffee120005
Create Date: 2026-11-27 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = 'c0ffee120006'
down_revision: str | None = 'c0ffee120005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('contact_lookup',
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('domain', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('looked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('payload', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('team_id', 'domain')
    )


def downgrade() -> None:
    op.drop_table('contact_lookup')
