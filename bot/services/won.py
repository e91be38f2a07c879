"""What the Won modal asks of the rest of Gapbot: the page that links, marking won, a first check.

Like bot.services.outreach: team-scoped, plain data back, times passed in by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from sqlmodel import col

from bot.config import ConfigError
from bot.links.base import LinkSourceError
from bot.outreach.link_checks import linking_page_problem
from bot.outreach.moves import Status
from bot.services import outreach
from bot.services.deps import Services
from bot.services.link_checks import LinkCheckTick, Report
from bot.services.outreach import ReminderAnswer, ReminderChoice
from bot.store import won_links
from bot.store.db import session_scope
from bot.store.pipeline import Move, MoveOutcome, MoveResult, marks_for, move
from bot.store.won_links import NewWonLink, WonLink

OWNED_NOW = "A teammate owns this domain now: ask them to mark it won."


@dataclass(frozen=True)
class WonForm:
    """The Won modal: the reminder it answers (and where its DM is), the domain, the page."""

    reminder_id: int
    site: str
    refdomain: str
    url: str = ""
    channel_id: str = ""
    message_ts: str = ""


@dataclass(frozen=True)
class Won:
    """A submitted Won modal: one sentence for the page field, or what was done."""

    error: str | None = None
    answer: ReminderAnswer | None = None
    link_id: int | None = None  # a page to check now
    changed: bool = False


def won_form(services: Services, team_id: str, user_id: str, form: WonForm) -> WonForm | None:
    """The form for the user's own reminder (its domain from the database, not the
    button), or None if the reminder is not theirs."""
    target = outreach.target_of_reminder(services, team_id, user_id, form.reminder_id)
    if target is None:
        return None
    return replace(form, site=target.site, refdomain=target.refdomain)


def with_known_page(services: Services, team_id: str, form: WonForm) -> WonForm:
    """The form with the page the data knows: the one given before, else the link source's
    first page of the domain that links to the site (none if the source fails)."""
    with session_scope(services.engine) as session:
        url = won_links.tracked_url(session, team_id, form.site, form.refdomain)
    if url is None:
        try:
            source = services.open_source(None, team_id, False)
            found = source.linking_urls(form.refdomain, [form.site], 1).get(form.site)
        except (LinkSourceError, ConfigError):
            found = None
        url = found.urls[0].source_url if found and found.urls else ""
    return replace(form, url=url)


def mark_won(
    services: Services, team_id: str, user_id: str, form: WonForm, now: datetime
) -> Won | None:
    """Check the page given, mark the domain won and check its page from now on (or stop,
    for an empty page). None if the reminder is not the user's. Submitted twice, the
    second time changes nothing."""
    target = won_form(services, team_id, user_id, form)
    if target is None:
        return None
    url = form.url.strip()
    problem = linking_page_problem(url, target.refdomain, target.site) if url else None
    if problem is not None:
        return Won(problem)
    answer = outreach.answer_reminder(
        services, team_id, user_id, form.reminder_id, ReminderChoice.WON, now
    )
    if answer is None:
        return None
    if answer.result.outcome is MoveOutcome.OWNED:
        return Won(OWNED_NOW)
    if answer.result.outcome is MoveOutcome.REFUSED:
        return Won(answer.result.reason or "This domain cannot be marked won.")
    link = NewWonLink(
        team_id=team_id, site=target.site, refdomain=target.refdomain, url=url, owner_id=user_id
    )
    with session_scope(services.engine) as session:
        if url:
            link_id = won_links.track(session, link, now)
            stopped = False
        else:
            link_id = None
            stopped = won_links.untrack(session, team_id, target.site, target.refdomain)
    moved = answer.result.outcome is MoveOutcome.CHANGED
    return Won(answer=answer, link_id=link_id, changed=moved or link_id is not None or stopped)


def check_now(services: Services, link_id: int, report: Report) -> None:
    """Check a page just given, once, as the scheduled checks do: claimed first, so no
    other process checks it at the same time."""
    one = col(WonLink.id) == link_id
    LinkCheckTick(services.engine, services.fetcher, report, only=one, parallel=1, batch=1)()


class AtRiskChoice(StrEnum):
    """The answers a link-at-risk DM offers."""

    LOST = "lost"
    RECHECK = "recheck"


@dataclass(frozen=True)
class AtRiskAnswer:
    """A button on a link-at-risk DM, answered: the domain, and what was done."""

    refdomain: str
    choice: AtRiskChoice
    result: MoveResult | None = None  # for "lost"
    due: bool = False  # for "recheck": the link is due now


def answer_at_risk(
    services: Services,
    team_id: str,
    user_id: str,
    link_id: int,
    choice: AtRiskChoice,
    now: datetime,
) -> AtRiskAnswer | None:
    """Mark the link lost (its checks then stop), or have it checked now; None unless the
    link is this workspace's and the user owns its domain."""
    with session_scope(services.engine) as session:
        link = won_links.link_by_id(session, team_id, link_id)
        if link is None:
            return None
        mark = marks_for(session, team_id, link.site, [link.refdomain]).get(link.refdomain)
        if mark is None or mark.owner_id != user_id:
            return None
        if choice is AtRiskChoice.LOST:
            result = move(session, Move(team_id, link.site, link.refdomain, Status.LOST, user_id))
            return AtRiskAnswer(link.refdomain, choice, result=result)
        due = won_links.check_sooner(session, team_id, link_id, now)
        return AtRiskAnswer(link.refdomain, choice, due=due)
