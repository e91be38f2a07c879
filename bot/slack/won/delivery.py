"""The news of a won link's checks, as a DM to the domain's owner."""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk import WebClient

from bot.services.link_checks import CheckedLink, Report
from bot.slack.delivery import delivered
from bot.slack.posting import direct_message
from bot.slack.won.blocks import link_news_fallback, link_news_message


def link_news(client_for: Callable[[str], WebClient], *, asked: bool = False) -> Report:
    """The checks' report in Slack: a DM to the owner when a check has news for them (or,
    for a check the owner `asked` for, whatever it found)."""

    def tell_owner(checked: CheckedLink) -> None:
        if checked.next_check.notice is None and not asked:
            return
        blocks, text = link_news_message(checked), link_news_fallback(checked)
        delivered(
            client_for,
            checked.link.team_id,
            lambda client: direct_message(client, checked.owner_id, blocks, text),
        )

    return tell_owner
