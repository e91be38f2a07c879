"""a watch's query as `/gaps` text (issue 11): one serialisation of a query, not two

Each watch's query was a JSON document; it becomes the `/gaps` text an analysis records
(bot.query.gap_text writes it, parse_gap_text reads it). The conversion is written out
here, as the formats were at this revision.

Revision ID: c0ffee120007
Revises: c0ffee120006
Create Date: 2026-11-28 09:00:00
"""

import json
import shlex
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = 'c0ffee120007'
down_revision: str | None = 'c0ffee120006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WATCH = sa.table('watch', sa.column('id', sa.Integer), sa.column('query', sa.String))
# The JSON document's options as /gaps flags, in the order gap_text writes them, with the
# values left out as the defaults.
_FLAGS = (('min_matches', '--min-matches'), ('dofollow_only', '--dofollow-only'),
          ('sort', '--sort'), ('source', '--source'), ('site_source', '--site-source'),
          ('prove', '--prove'), ('min_authority', '--min-authority'))
_DEFAULTS: dict[str, Any] = {'min_matches': 1, 'dofollow_only': False, 'sort': 'matches',
                             'source': None, 'site_source': None, 'prove': False,
                             'min_authority': 0, 'tlds': [], 'excluded': []}
_NUMBERS = ('--min-matches', '--min-authority')


def _text(document: dict[str, Any]) -> str:
    words = [document['site'], 'vs', *document['competitors']]
    for key, flag in _FLAGS:
        value = document[key]
        if value is True:
            words.append(flag)
        elif value not in (False, None, _DEFAULTS[key]):
            words += [flag, str(value)]
    if document['tlds']:
        words.append(f"--tld={','.join(document['tlds'])}")
    for pattern in document['excluded']:
        words += ['--exclude', pattern]
    return shlex.join(words)


def _document(text: str) -> dict[str, Any]:
    words = shlex.split(text)
    document = {key: list(value) if isinstance(value, list) else value
                for key, value in _DEFAULTS.items()}
    keys = {flag: key for key, flag in _FLAGS}
    sites: list[str] = []
    position = 0
    while position < len(words):
        word = words[position]
        if word in ('--dofollow-only', '--prove'):
            document[keys[word]] = True
        elif word in keys:
            position += 1
            value = words[position]
            document[keys[word]] = int(value) if word in _NUMBERS else value
        elif word.startswith('--tld='):
            document['tlds'] = word.removeprefix('--tld=').split(',')
        elif word == '--exclude':
            position += 1
            document['excluded'].append(words[position])
        elif word != 'vs':
            sites.append(word)
        position += 1
    document['site'], document['competitors'] = sites[0], sites[1:]
    return document


def _convert(change: Any) -> None:
    connection = op.get_bind()
    for row_id, query in connection.execute(sa.select(_WATCH.c.id, _WATCH.c.query)).all():
        connection.execute(
            _WATCH.update().where(_WATCH.c.id == row_id).values(query=change(query))
        )


def upgrade() -> None:
    _convert(lambda query: _text(json.loads(query)))


def downgrade() -> None:
    _convert(lambda text: json.dumps(_document(text)))
