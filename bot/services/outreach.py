"""What the outreach listeners ask of the store: draft forms, saving, sending, reminders, settings.

Like service.py: one function per request, team-scoped, plain data back. Times come
in as `now` from the listener, so tests move them with an explicit clock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from functools import cache
from pathlib import Path

from sqlmodel import Session

from bot.contacts.lookup import ContactLookup
from bot.outreach.checks import check_draft, looks_copied
from bot.outreach.drafts import Draft, DraftContext, TemplateKind
from bot.outreach.followups import snooze_until
from bot.outreach.moves import Status
from bot.outreach.templates import (
    DraftError,
    TemplateLibrary,
    load_templates,
    render_draft,
    template_dirs,
)
from bot.services.analyses import linking_samples
from bot.services.deps import Services
from bot.store import analyses, contacts, outreach, pipeline
from bot.store.clock import as_utc
from bot.store.db import session_scope
from bot.store.outreach import DraftRecord, NewDraft, PipelineRow
from bot.store.pipeline import Move, MoveOutcome, MoveResult, PipelineMark

SHOWN_PAGES = 3
HOME_TARGETS = 40


@dataclass(frozen=True)
class DraftTarget:
    """The referring domain an email is for, and for which of the team's sites."""

    site: str
    refdomain: str
    kind: TemplateKind = TemplateKind.FIRST


@dataclass(frozen=True)
class DraftForm:
    """What the draft modal shows and sends back: the editable email and what it was made from."""

    target: DraftTarget
    template: str
    subject: str = ""
    body: str = ""
    recipient_name: str = ""
    recipient_email: str = ""
    common_ground: str = ""
    page_note: str = ""
    offer: str = ""
    my_page: str = ""
    revision: int = 0
    problem: str | None = None  # why the chosen template could not be rendered
    filled: int = 0  # how often a found contact filled the recipient's name and email


@dataclass(frozen=True)
class DraftModal:
    """A form, the templates it may switch to (key, name), and the recipient's domain's
    contacts: the team's recent lookup, or None; `looking` while one runs."""

    form: DraftForm
    templates: tuple[tuple[str, str], ...]
    skipped: tuple[str, ...] = ()  # template files that failed their checks: file:line: why
    contacts: ContactLookup | None = None
    looking: bool = False


@dataclass(frozen=True)
class SavedDraft:
    """One stored draft version, as plain data for the DM."""

    id: int
    site: str
    refdomain: str
    version: int
    kind: TemplateKind
    subject: str
    body: str
    recipient_email: str
    similar: bool = False  # >80% like an email already sent to another domain
    sent_at: datetime | None = None
    next_due: datetime | None = None  # the follow-up reminder, once sent


@dataclass(frozen=True)
class Submission:
    """The answer to a submitted draft: errors by form field, someone else's domain, or saved."""

    errors: dict[str, str]
    owner: PipelineMark | None = None
    saved: SavedDraft | None = None


# -- opening and re-rendering the form ---------------------------------------------------------


def target_in_analysis(
    services: Services, team_id: str, analysis_id: int, refdomain: str
) -> DraftTarget | None:
    """A result row's domain, if the analysis is the team's."""
    with session_scope(services.engine) as session:
        analysis = analyses.get_analysis(session, team_id, analysis_id)
    return None if analysis is None else DraftTarget(analysis.site, refdomain)


def target_in_pipeline(
    services: Services, team_id: str, site: str, refdomain: str
) -> DraftTarget | None:
    """An App Home row's domain, if it is in the team's pipeline."""
    with session_scope(services.engine) as session:
        known = pipeline.marks_for(session, team_id, site, [refdomain])
    return DraftTarget(site, refdomain) if known else None


def target_of_draft(services: Services, team_id: str, draft_id: int) -> DraftTarget | None:
    with session_scope(services.engine) as session:
        draft = outreach.draft_by_id(session, team_id, draft_id)
        if draft is None:
            return None
        return DraftTarget(draft.site, draft.refdomain, TemplateKind(draft.kind))


def target_of_reminder(
    services: Services, team_id: str, user_id: str, reminder_id: int
) -> DraftTarget | None:
    """The domain of the user's own reminder, for a follow-up."""
    with session_scope(services.engine) as session:
        reminder = outreach.reminder_by_id(session, team_id, reminder_id)
        if reminder is None or reminder.owner_id != user_id:
            return None
        return DraftTarget(reminder.site, reminder.refdomain, TemplateKind.FOLLOW_UP)


def open_form(
    services: Services, team_id: str, user_id: str, target: DraftTarget, now: datetime
) -> DraftModal:
    """The unsent draft of this kind to edit, else the kind's first template rendered afresh."""
    with session_scope(services.engine) as session:
        latest = outreach.latest_draft(session, team_id, target.site, target.refdomain)
        form = _form_of(latest, target)
        unsent = latest is not None and latest.kind == target.kind and latest.sent_at is None
    if not unsent:
        choices = template_choices(services, target.kind)
        form = _first_that_renders(services, team_id, user_id, form, choices)
    return modal_of(services, team_id, form, now)


def modal_of(
    services: Services, team_id: str, form: DraftForm, now: datetime, *, looking: bool = False
) -> DraftModal:
    """What the draft modal shows with `form`: templates, skipped ones, contacts found."""
    with session_scope(services.engine) as session:
        found = contacts.fresh_lookup(session, team_id, form.target.refdomain, now)
    skipped = tuple(problem.brief() for problem in templates_of(services).problems)
    choices = template_choices(services, form.target.kind)
    return DraftModal(form, choices, skipped, found, looking)


def _first_that_renders(
    services: Services,
    team_id: str,
    user_id: str,
    form: DraftForm,
    choices: tuple[tuple[str, str], ...],
) -> DraftForm:
    """The first template that renders with what is known (some need fields yet to fill)."""
    rendered = replace(form, problem="No outreach templates are available.")
    for key, _ in choices:
        rendered = rerender(services, team_id, user_id, form, key)
        if rendered.problem is None:
            break
    return rendered


def rerender(
    services: Services, team_id: str, user_id: str, form: DraftForm, template: str
) -> DraftForm:
    """The form with subject and body written afresh from `template` and the form's fields."""
    chosen = templates_of(services).templates.get(template)
    fresh = replace(form, template=template, revision=form.revision + 1, problem=None)
    if chosen is None or chosen.kind != form.target.kind:
        return replace(fresh, problem="That template is not available any more.")
    with session_scope(services.engine) as session:
        context = _context(services, session, team_id, user_id, form)
    try:
        draft = render_draft(chosen, context)
    except DraftError as error:
        return replace(fresh, subject="", body="", problem=str(error))
    return replace(fresh, subject=draft.subject, body=draft.body)


def template_choices(services: Services, kind: TemplateKind) -> tuple[tuple[str, str], ...]:
    """(key, name) of the templates of one kind, for the picker."""
    return tuple((item.key, item.name) for item in templates_of(services).of_kind(kind))


def templates_of(services: Services) -> TemplateLibrary:
    return _library(services.settings.templates_dir)


@cache
def _library(team_dir: Path | None) -> TemplateLibrary:
    return load_templates(template_dirs(team_dir))


def _form_of(latest: DraftRecord | None, target: DraftTarget) -> DraftForm:
    """A form carrying over what was written for this recipient last time."""
    default_page = f"https://{target.site}/"
    if latest is None:
        return DraftForm(target, template="", my_page=default_page)
    form = DraftForm(
        target,
        template=latest.template,
        recipient_name=latest.recipient_name,
        recipient_email=latest.recipient_email,
        common_ground=latest.common_ground,
        page_note=latest.page_note,
        offer=latest.offer,
        my_page=latest.my_page or default_page,
    )
    if latest.kind != target.kind:
        return form
    return replace(form, subject=latest.subject, body=latest.body)


def _context(
    services: Services, session: Session, team_id: str, user_id: str, form: DraftForm
) -> DraftContext:
    target = form.target
    samples = linking_samples(services, team_id, target.site, target.refdomain)
    pages = dict.fromkeys(url for urls in samples.values() for url in urls)
    profile = outreach.sender_profile(session, team_id, user_id)
    return DraftContext(
        recipient_email=form.recipient_email.strip(),
        their_site=target.refdomain,
        my_page=form.my_page.strip(),
        recipient_name=form.recipient_name.strip(),
        their_pages=tuple(pages)[:SHOWN_PAGES],
        competitors=tuple(samples),
        my_site=target.site,
        common_ground=form.common_ground.strip(),
        page_note=form.page_note.strip(),
        offer=form.offer.strip(),
        previous_subject=outreach.first_subject(session, team_id, target.site, target.refdomain),
        sender_name=profile.sender_name,
        signature=profile.signature,
    )


# -- saving ------------------------------------------------------------------------------------


def submit(
    services: Services, team_id: str, user_id: str, form: DraftForm, now: datetime
) -> Submission:
    """Check the draft; if it passes, claim the domain (drafted) and save a new version."""
    target = form.target
    with session_scope(services.engine) as session:
        context = _context(services, session, team_id, user_id, form)
        draft = Draft(form.template, target.kind, form.subject.strip(), form.body.strip())
        errors = check_draft(draft, context)
        if errors:
            return Submission(errors)
        request = Move(team_id, target.site, target.refdomain, Status.DRAFTED, user_id)
        claimed = _claim(session, request, target.kind)
        if claimed.outcome is MoveOutcome.OWNED:
            return Submission(
                {"template": "Someone else owns this domain: see my DM."}, claimed.mark
            )
        if claimed.outcome is MoveOutcome.REFUSED:
            return Submission({"template": claimed.reason or "This domain cannot be drafted."})
        sent = outreach.sent_first_emails(session, team_id, other_than=target.refdomain)
        record = outreach.save_draft(session, _new_draft(team_id, user_id, form, draft), now)
        saved = _saved(record, similar=looks_copied(draft, sent))
    return Submission({}, saved=saved)


def _claim(session: Session, request: Move, kind: TemplateKind) -> MoveResult:
    """A first email moves the domain to drafted; a follow-up only needs to be the owner's."""
    if kind is TemplateKind.FIRST:
        return pipeline.move(session, request)
    marks = pipeline.marks_for(session, request.team_id, request.site, [request.refdomain])
    mark = marks.get(request.refdomain)
    if mark is None or mark.owner_id not in (None, request.user_id):
        return MoveResult(MoveOutcome.OWNED if mark else MoveOutcome.REFUSED, mark)
    return MoveResult(MoveOutcome.UNCHANGED, mark)


def _new_draft(team_id: str, user_id: str, form: DraftForm, draft: Draft) -> NewDraft:
    return NewDraft(
        team_id=team_id,
        site=form.target.site,
        refdomain=form.target.refdomain,
        template=form.template,
        kind=form.target.kind,
        subject=draft.subject,
        body=draft.body,
        recipient_email=form.recipient_email.strip(),
        author_id=user_id,
        recipient_name=form.recipient_name.strip(),
        common_ground=form.common_ground.strip(),
        page_note=form.page_note.strip(),
        offer=form.offer.strip(),
        my_page=form.my_page.strip(),
    )


def _saved(
    record: DraftRecord, *, similar: bool = False, next_due: datetime | None = None
) -> SavedDraft:
    assert record.id is not None
    return SavedDraft(
        id=record.id,
        site=record.site,
        refdomain=record.refdomain,
        version=record.version,
        kind=TemplateKind(record.kind),
        subject=record.subject,
        body=record.body,
        recipient_email=record.recipient_email,
        similar=similar,
        sent_at=as_utc(record.sent_at) if record.sent_at else None,
        next_due=next_due,
    )


# -- sending, reminders, take-overs ------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    result: MoveResult
    draft: SavedDraft | None


def mark_sent(services: Services, team_id: str, user_id: str, draft_id: int, now: datetime) -> Sent:
    """Record the draft as sent (once) and return it with its next reminder."""
    with session_scope(services.engine) as session:
        result = outreach.mark_sent(session, team_id, draft_id, user_id, now)
        session.commit()
        record = outreach.draft_by_id(session, team_id, draft_id)
        if record is None or record.sent_at is None:
            return Sent(result, None)
        reminder = outreach.next_reminder(session, team_id, record.site, record.refdomain)
        due = as_utc(reminder.due_at) if reminder else None
        return Sent(result, _saved(record, next_due=due))


class ReminderChoice(StrEnum):
    """The answers a reminder DM offers (Won asks for the linking page first)."""

    REPLY = "reply"
    WON = "won"
    STOP = "stop"
    SNOOZE = "snooze"


# What each answer moves the domain to; Stop ends the outreach as no response.
REMINDER_MOVES = {
    ReminderChoice.REPLY: Status.REPLIED,
    ReminderChoice.WON: Status.WON,
    ReminderChoice.STOP: Status.NO_RESPONSE,
}


@dataclass(frozen=True)
class ReminderAnswer:
    site: str
    refdomain: str
    choice: ReminderChoice
    result: MoveResult
    snoozed_until: datetime | None = None


def answer_reminder(
    services: Services,
    team_id: str,
    user_id: str,
    reminder_id: int,
    choice: ReminderChoice,
    now: datetime,
) -> ReminderAnswer | None:
    """Apply a reminder button for its owner; None for a reminder that is not theirs."""
    with session_scope(services.engine) as session:
        reminder = outreach.reminder_by_id(session, team_id, reminder_id)
        if reminder is None or reminder.owner_id != user_id:
            return None
        site, refdomain = reminder.site, reminder.refdomain
        if choice is ReminderChoice.SNOOZE:
            until = snooze_until(now)
            again = outreach.snooze(session, team_id, reminder_id, until)
            outcome = MoveOutcome.CHANGED if again else MoveOutcome.UNCHANGED
            return ReminderAnswer(site, refdomain, choice, MoveResult(outcome, None), until)
        result = pipeline.move(
            session, Move(team_id, site, refdomain, REMINDER_MOVES[choice], user_id)
        )
        if result.outcome in (MoveOutcome.CHANGED, MoveOutcome.UNCHANGED):
            outreach.cancel_reminders(session, team_id, site, refdomain)
        return ReminderAnswer(site, refdomain, choice, result)


def take_over(services: Services, team_id: str, user_id: str, site: str, refdomain: str) -> bool:
    """ "Contact anyway": the domain becomes the user's; the change is logged."""
    with session_scope(services.engine) as session:
        return pipeline.reassign(session, team_id, site, refdomain, user_id)


# -- settings and App Home ---------------------------------------------------------------------


@dataclass(frozen=True)
class SenderSettings:
    sender_name: str
    signature: str
    follow_up_days: int


def sender_settings(services: Services, team_id: str, user_id: str) -> SenderSettings:
    with session_scope(services.engine) as session:
        profile = outreach.sender_profile(session, team_id, user_id)
        days = outreach.follow_up_days(session, team_id)
        return SenderSettings(profile.sender_name, profile.signature, days)


def save_sender_settings(
    services: Services, team_id: str, user_id: str, settings: SenderSettings
) -> None:
    with session_scope(services.engine) as session:
        outreach.save_sender_profile(
            session, team_id, user_id, settings.sender_name, settings.signature
        )
        outreach.set_follow_up_days(session, team_id, settings.follow_up_days)


def home_targets(services: Services, team_id: str, user_id: str) -> list[PipelineRow]:
    """The user's domains, due follow-ups first (pipeline_rows' order)."""
    with session_scope(services.engine) as session:
        rows = outreach.pipeline_rows(session, team_id)
    return [row for row in rows if row.owner_id == user_id][:HOME_TARGETS]
