"""Won links in Slack: Won asks for the linking page, and each check's news is DMed to the owner."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.services import won
from bot.services.link_checks import CheckedLink, Report
from bot.services.won import AtRiskChoice, Won, WonForm
from bot.slack.blocks import damaged_form_text
from bot.slack.context import services_of, team_of
from bot.slack.draft_blocks import (
    link_at_risk_answer,
    link_news_fallback,
    link_news_message,
    read_won_modal,
    reminder_answer_message,
    won_loading_modal,
    won_modal,
)
from bot.slack.drafts import number_value
from bot.slack.ids import Action, Callback, Field
from bot.slack.listening import after_ack
from bot.slack.mrkdwn import escape
from bot.slack.posting import direct_message, replace_message, tell
from bot.slack.reminders import NOT_YOURS, delivered
from bot.store.pipeline import MoveOutcome

log = logging.getLogger(__name__)

NOT_YOURS_LINK = "That link is not yours, or it is gone."


def register(app: App) -> None:
    app.action(Action.WON)(after_ack(open_won))
    app.view(Callback.WON)(submit_won)
    for action in _AT_RISK_CHOICES:
        app.action(action)(after_ack(answer_at_risk))


_AT_RISK_CHOICES = {Action.LINK_LOST: AtRiskChoice.LOST, Action.LINK_RECHECK: AtRiskChoice.RECHECK}


def answer_at_risk(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    """Mark lost or Check again now, on a link-at-risk DM, for the domain's owner; the DM
    then says what was done, and a new check's verdict comes as a DM."""
    ack()
    services, team = services_of(context), team_of(context)
    choice = _AT_RISK_CHOICES[Action(action["action_id"])]
    link_id = number_value(action)
    done = won.answer_at_risk(
        services, team, body["user"]["id"], link_id, choice, datetime.now(UTC)
    )
    if done is None:
        tell(respond, NOT_YOURS_LINK)
        return
    if done.result is not None and done.result.outcome is MoveOutcome.REFUSED:
        tell(respond, done.result.reason or "That link cannot be marked lost.")
        return
    text = f"{escape(done.refdomain)}: {choice}"
    replace_message(client, body, link_at_risk_answer(done.refdomain, choice), text)
    if done.due:
        won.check_now(services, link_id, link_news(lambda _team: client, asked=True))


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


def open_won(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
) -> None:
    """Won on a reminder DM: the modal at once, then the page the data knows filled in."""
    ack()
    services, team = services_of(context), team_of(context)
    pressed = WonForm(
        reminder_id=number_value(action),
        site="",
        refdomain="",
        channel_id=str((body.get("channel") or {}).get("id", "")),
        message_ts=str((body.get("container") or {}).get("message_ts", "")),
    )
    form = won.won_form(services, team, body["user"]["id"], pressed)
    if form is None:
        tell(respond, NOT_YOURS)
        return
    opened = client.views_open(trigger_id=body["trigger_id"], view=won_loading_modal(form))
    modal = opened["view"]
    filled = won.with_known_page(services, team, form)
    client.views_update(view_id=modal["id"], hash=modal.get("hash"), view=won_modal(filled))


def submit_won(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Mark won: a sentence on the page field, or the modal closed at once; then the
    reminder DM shows the outcome and the page is checked, its verdict DMed."""
    try:
        form = read_won_modal(view)
    except (ValueError, KeyError, TypeError) as error:
        log.warning("a Won modal's private_metadata could not be read: %r", error)
        ack(response_action="errors", errors={Field.LINKING_PAGE.value: damaged_form_text()})
        return
    services, team = services_of(context), team_of(context)
    done = won.mark_won(services, team, body["user"]["id"], form, datetime.now(UTC))
    if done is None or done.error is not None:
        problem = done.error if done is not None and done.error else NOT_YOURS
        ack(response_action="errors", errors={Field.LINKING_PAGE.value: problem})
        return
    ack()
    if done.changed:
        services.after_answer(lambda: _show_answer(client, form, done))
    if done.link_id is not None:
        link_id = done.link_id
        news = link_news(lambda _team: client)
        services.after_answer(lambda: won.check_now(services, link_id, news))


def _show_answer(client: WebClient, form: WonForm, done: Won) -> None:
    """The reminder DM without its buttons: marked won, no more reminders."""
    assert done.answer is not None
    text = f"{escape(done.answer.refdomain)}: won"
    client.chat_update(
        channel=form.channel_id,
        ts=form.message_ts,
        blocks=reminder_answer_message(done.answer),
        text=text,
    )
