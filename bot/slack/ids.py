"""Every action id, callback id and command name the Slack app uses, in one place."""

from __future__ import annotations

from enum import StrEnum

GAPS_COMMAND = "/gaps"


class Action(StrEnum):
    """Block Kit `action_id`s; the listeners in actions.py and home.py match on these."""

    PAGE_PREVIOUS = "gaps_page_previous"
    PAGE_NEXT = "gaps_page_next"
    SORT = "gaps_sort"
    MIN_MATCHES = "gaps_min_matches"
    DOFOLLOW = "gaps_dofollow"
    SHOW_IGNORED = "gaps_show_ignored"
    EXPORT_CSV = "gaps_export_csv"
    TARGET = "gaps_target"
    IGNORE = "gaps_ignore"
    RESTORE = "gaps_restore"
    LINKS = "gaps_links"
    REPOST = "home_repost"


class Callback(StrEnum):
    """Modal `callback_id`s."""

    LINKS = "gaps_links_modal"
