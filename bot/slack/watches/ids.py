"""The watches' command words and action ids, and what their buttons carry."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from bot.slack.values import ButtonValue, Id, key

# `/gaps watch SITE vs ...` adds a watch in the channel; `/gaps watches` lists its watches.
WATCH_WORD = "watch"
WATCHES_WORD = "watches"


class WatchAction(StrEnum):
    PAUSE = "watch_pause"
    RESUME = "watch_resume"
    DELETE = "watch_delete"


class WatchRef(ButtonValue):
    """Pause, Resume and Delete: the watch's id."""

    watch_id: Annotated[Id, key("w")]

    @classmethod
    def of(cls, watch_id: int | None) -> WatchRef:
        return cls.written(watch_id=watch_id)
