"""How a listener that calls Slack is registered: ack at once, then do the work.

Bolt runs the ack function in the request's own thread and answers Slack as soon as
it returns; the work runs afterwards on the listener pool, where a slow `chat.update`
or `views.open` delays only itself. A listener registered this way may still call
`ack()` first: after the ack there, it does nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack


def after_ack(work: Callable[..., None]) -> dict[str, Any]:
    """The arguments for `app.action(...)` / `app.event(...)`: ack now, `work` afterwards."""
    return {"ack": _ack, "lazy": [work]}


def _ack(ack: Ack) -> None:
    ack()
