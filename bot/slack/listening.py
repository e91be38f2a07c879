"""How a listener that calls Slack is registered: ack at once, then do the work.

The listener acks in the request's own thread and Bolt answers Slack as soon as it
returns; the work runs afterwards on a pool, where a slow `chat.update` or `views.open`
delays only itself. The work may still call `ack()` first: it does nothing there.
(Bolt's lazy listeners would do the same, after deep-copying the whole request: a
third of the cost of each click.)

Under a burst (two hundred people clicking at once) the work would compete with the
acks for the one interpreter; it waits, briefly, until this process has no request
left to answer, so that every ack goes out first.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bot.slack.context import services_of
from bot.slack.guard import reporting_failures

# Work never waits longer than this for the answers to end (a steady stream of requests).
MAX_WAIT_SECONDS = 1.0


class Answering:
    """How many of this process's requests are still to be answered."""

    def __init__(self) -> None:
        self._waiting = 0
        self._quiet = threading.Condition()

    @contextmanager
    def request(self) -> Iterator[None]:
        """Around one request, from its arrival to its answer."""
        with self._quiet:
            self._waiting += 1
        try:
            yield
        finally:
            with self._quiet:
                self._waiting -= 1
                if not self._waiting:
                    self._quiet.notify_all()

    def wait_quiet(self, timeout: float = MAX_WAIT_SECONDS) -> None:
        with self._quiet:
            self._quiet.wait_for(lambda: not self._waiting, timeout)


ANSWERING = Answering()


def after_ack(
    work: Callable[..., None], answer: Callable[..., None] | None = None
) -> Callable[..., None]:
    """The listener to register for `work`: it acks (with `answer`, which calls `ack` with
    what Slack is to show, or with a bare `ack()`), then hands `work` to the services' pool,
    where it runs once this process has answered its requests. Its failures are told to
    the user (bot.slack.guard)."""
    reported = reporting_failures(work)
    answer_names = () if answer is None else tuple(inspect.signature(answer).parameters)

    def listener(**arguments: Any) -> None:
        if answer is None:
            arguments["ack"]()
        else:
            answer(**{name: arguments[name] for name in answer_names})
        arguments["ack"] = _already_acked
        services_of(arguments["context"]).after_answer(lambda: _when_quiet(reported, arguments))

    # Bolt passes a listener the arguments its signature names: the work's, the answer's,
    # and these.
    wanted = (*inspect.signature(reported).parameters, *answer_names, "ack", "context")
    parameters = [
        inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        for name in dict.fromkeys(wanted)
    ]
    listener.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    listener.__name__ = listener.__qualname__ = work.__name__
    return listener


def _when_quiet(work: Callable[..., None], arguments: dict[str, Any]) -> None:
    ANSWERING.wait_quiet()
    work(**arguments)


def _already_acked(*_: object, **__: object) -> None:
    """The work's `ack()`: the listener has acknowledged already."""
