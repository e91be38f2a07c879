"""Won links in Slack: Won on a reminder DM asks for the linking page; Mark lost and Check
again now answer a link-at-risk DM."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.models.views import View

from bot.services import won
from bot.services.deps import Services
from bot.services.won import AtRiskChoice, Won, WonForm
from bot.slack.forms import input_value
from bot.slack.listening import after_ack
from bot.slack.mrkdwn import escape
from bot.slack.posting import open_then_fill, pressed_in, replace_message, tell
from bot.slack.reminders.blocks import (
    NOT_YOURS,
    reminder_answer_fallback,
    reminder_answer_message,
)
from bot.slack.reminders.ids import ReminderAction, ReminderRef
from bot.slack.values import carrying
from bot.slack.won.blocks import (
    NOT_YOURS_LINK,
    link_at_risk_answer,
    won_loading_modal,
    won_modal,
)
from bot.slack.won.delivery import link_news
from bot.slack.won.ids import LinkRef, WonAction, WonCallback, WonInput, WonMetadata
from bot.store.pipeline import MoveOutcome

_AT_RISK_CHOICES = {
    WonAction.LINK_LOST: AtRiskChoice.LOST,
    WonAction.LINK_RECHECK: AtRiskChoice.RECHECK,
}


def register(app: App) -> None:
    reminder = carrying(ReminderRef, refused=NOT_YOURS)
    app.action(ReminderAction.WON, middleware=reminder)(after_ack(open_won))
    form = carrying(WonMetadata, errors_on=WonInput.LINKING_PAGE)
    app.view(WonCallback.WON, middleware=form)(submit_won)
    link = carrying(LinkRef, refused=NOT_YOURS_LINK)
    for action in _AT_RISK_CHOICES:
        app.action(action, middleware=link)(after_ack(answer_at_risk))


def answer_at_risk(
    carried: LinkRef,
    action: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    services: Services,
    team: str,
) -> None:
    """Mark lost or Check again now, on a link-at-risk DM, for the domain's owner; the DM
    then says what was done, and a new check's verdict comes as a DM."""
    choice, user = _AT_RISK_CHOICES[WonAction(action["action_id"])], body["user"]["id"]
    done = won.answer_at_risk(services, team, user, carried.id, choice, datetime.now(UTC))
    if done is None:
        tell(respond, NOT_YOURS_LINK)
        return
    if done.result is not None and done.result.outcome is MoveOutcome.REFUSED:
        tell(respond, done.result.reason or "That link cannot be marked lost.")
        return
    text = f"{escape(done.refdomain)}: {choice}"
    replace_message(client, body, link_at_risk_answer(done.refdomain, choice), text)
    if done.due:
        won.check_now(services, carried.id, link_news(lambda _team: client, asked=True))


def open_won(
    carried: ReminderRef,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    services: Services,
    team: str,
) -> None:
    """Won on a reminder DM: the modal at once, then the page the data knows filled in."""
    channel_id, message_ts = pressed_in(body)
    pressed = WonForm(carried.id, "", "", channel_id=channel_id, message_ts=message_ts)
    form = won.won_form(services, team, body["user"]["id"], pressed)
    if form is None:
        tell(respond, NOT_YOURS)
        return

    def filled() -> View:
        return won_modal(won.with_known_page(services, team, form))

    open_then_fill(client, body["trigger_id"], won_loading_modal(form), filled)


def submit_won(
    ack: Ack,
    carried: WonMetadata,
    body: dict[str, Any],
    client: WebClient,
    services: Services,
    team: str,
) -> None:
    """Mark won: a sentence on the page field, or the modal closed at once; then the
    reminder DM shows the outcome and the page is checked, its verdict DMed."""
    url = input_value(body["view"], WonInput.LINKING_PAGE)
    form = WonForm(carried.reminder_id, "", "", url, carried.channel_id, carried.message_ts)
    done = won.mark_won(services, team, body["user"]["id"], form, datetime.now(UTC))
    if done is None or done.error is not None:
        problem = done.error if done is not None and done.error else NOT_YOURS
        ack(response_action="errors", errors={WonInput.LINKING_PAGE.value: problem})
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
    client.chat_update(
        channel=form.channel_id,
        ts=form.message_ts,
        blocks=reminder_answer_message(done.answer),
        text=reminder_answer_fallback(done.answer),
    )
