"""Outreach use cases: draft forms, saving, sending (the follow-up rules), reminders, settings.

One function per request, team-scoped, plain data back. Times come in as `now` from the
caller, so tests move them with an explicit clock.
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
from bot.outreach.drafts import Draft, DraftContext, RecipientNotes, TemplateKind, note_values
from bot.outreach.followups import NextAction, next_step, snooze_until
from bot.outreach.moves import Status, follow_up_refusal, owned_by_another
from bot.outreach.templates import (
    DraftError,
    TemplateLibrary,
    load_templates,
    render_draft,
    template_dirs,
)
from bot.services.analyses import linking_samples
from bot.services.deps import Services
from bot.store import analyses, contacts, drafts, pipeline, reminders
from bot.store.clock import as_utc
from bot.store.db import session_scope
from bot.store.drafts import NewDraft, StoredDraft
from bot.store.pipeline import Move, MoveOutcome, MoveResult, PipelineMark
from bot.store.reminders import Reminder
from bot.store.settings import (
    follow_up_days,
    save_sender_profile,
    sender_profile,
    set_follow_up_days,
)

SHOWN_PAGES = 3


@dataclass(frozen=True)
class DraftTarget:
    """The referring domain an email is for, and for which of the team's sites."""

    site: str
    refdomain: str
    kind: TemplateKind = TemplateKind.FIRST


@dataclass(frozen=True, kw_only=True)
class DraftForm(RecipientNotes):
    """What the draft modal shows and sends back: the editable email and what it was made from."""

    target: DraftTarget
    template: str
    subject: str = ""
    body: str = ""
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


class SavedDraft(StoredDraft):
    """One stored draft version, as the DM shows it."""

    kind: TemplateKind
    similar: bool = False  # >80% like an email already sent to another domain
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
        draft = drafts.draft_by_id(session, team_id, draft_id)
        if draft is None:
            return None
        return DraftTarget(draft.site, draft.refdomain, TemplateKind(draft.kind))


def target_of_reminder(
    services: Services, team_id: str, user_id: str, reminder_id: int
) -> DraftTarget | None:
    """The domain of the user's own reminder, for a follow-up."""
    with session_scope(services.engine) as session:
        reminder = reminders.reminder_by_id(session, team_id, reminder_id)
        if reminder is None or reminder.owner_id != user_id:
            return None
        return DraftTarget(reminder.site, reminder.refdomain, TemplateKind.FOLLOW_UP)


def open_form(
    services: Services, team_id: str, user_id: str, target: DraftTarget, now: datetime
) -> DraftModal:
    """The unsent draft of this kind to edit, else the kind's first template rendered afresh."""
    with session_scope(services.engine) as session:
        latest = drafts.latest_draft(session, team_id, target.site, target.refdomain)
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
    return modal_with(services, form, found, looking=looking)


def modal_with(
    services: Services, form: DraftForm, found: ContactLookup | None, *, looking: bool = False
) -> DraftModal:
    """What the draft modal shows with `form` and the contacts `found` for its domain."""
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


def _form_of(latest: StoredDraft | None, target: DraftTarget) -> DraftForm:
    """A form carrying over what was written for this recipient last time."""
    default_page = f"https://{target.site}/"
    if latest is None:
        return DraftForm(target=target, template="", my_page=default_page)
    notes = note_values(latest) | {"my_page": latest.my_page or default_page}
    form = DraftForm(target=target, template=latest.template, **notes)
    if latest.kind != target.kind:
        return form
    return replace(form, subject=latest.subject, body=latest.body)


def _context(
    services: Services, session: Session, team_id: str, user_id: str, form: DraftForm
) -> DraftContext:
    target = form.target
    samples = linking_samples(services, team_id, target.site, target.refdomain)
    pages = dict.fromkeys(url for urls in samples.values() for url in urls)
    profile = sender_profile(session, team_id, user_id)
    return DraftContext(
        **{name: value.strip() for name, value in note_values(form).items()},
        their_site=target.refdomain,
        their_pages=tuple(pages)[:SHOWN_PAGES],
        competitors=tuple(samples),
        my_site=target.site,
        previous_subject=drafts.first_subject(session, team_id, target.site, target.refdomain),
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
            return Submission({}, owner=claimed.mark)
        if claimed.outcome is MoveOutcome.REFUSED:
            return Submission({"template": claimed.reason or "This domain cannot be drafted."})
        sent = drafts.sent_first_emails(session, team_id, other_than=target.refdomain)
        record = drafts.save_draft(session, _new_draft(team_id, user_id, draft, context), now)
        saved = _saved(record, similar=looks_copied(draft, sent))
    return Submission({}, saved=saved)


def _claim(session: Session, request: Move, kind: TemplateKind) -> MoveResult:
    """A first email moves the domain to drafted; a follow-up only needs to be the owner's."""
    if kind is TemplateKind.FIRST:
        return pipeline.move(session, request)
    marks = pipeline.marks_for(session, request.team_id, request.site, [request.refdomain])
    mark = marks.get(request.refdomain)
    if mark is None:
        return MoveResult(MoveOutcome.REFUSED, mark)
    if owned_by_another(Status(mark.status), mark.owner_id, request.user_id):
        return MoveResult(MoveOutcome.OWNED, mark)
    return MoveResult(MoveOutcome.UNCHANGED, mark)


def _new_draft(team_id: str, user_id: str, draft: Draft, context: DraftContext) -> NewDraft:
    """The draft to store, with what its context was written from."""
    return NewDraft(
        team_id=team_id,
        site=context.my_site,
        refdomain=context.their_site,
        template=draft.template,
        kind=draft.kind,
        subject=draft.subject,
        body=draft.body,
        author_id=user_id,
        **note_values(context),
    )


def _saved(
    record: StoredDraft, *, similar: bool = False, next_due: datetime | None = None
) -> SavedDraft:
    sent_at = as_utc(record.sent_at) if record.sent_at else None
    return SavedDraft.model_validate(
        record, update={"similar": similar, "sent_at": sent_at, "next_due": next_due}
    )


# -- sending, reminders, take-overs ------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    result: MoveResult
    draft: SavedDraft | None


def mark_sent(services: Services, team_id: str, user_id: str, draft_id: int, now: datetime) -> Sent:
    """Record the draft as sent (once) and return it with its next reminder."""
    with session_scope(services.engine) as session:
        result = record_sent(session, team_id, draft_id, user_id, now)
        session.commit()
        record = drafts.draft_by_id(session, team_id, draft_id)
        if record is None or record.sent_at is None:
            return Sent(result, None)
        reminder = reminders.next_reminder(session, team_id, record.site, record.refdomain)
        due = as_utc(reminder.due_at) if reminder else None
        return Sent(result, _saved(record, next_due=due))


def record_sent(
    session: Session, team_id: str, draft_id: int, user_id: str, now: datetime
) -> MoveResult:
    """The owner sent this draft: move the pipeline on (a follow-up past the cap is refused)
    and schedule the next reminder. Marking a draft already sent changes nothing (a double
    click)."""
    draft = drafts.draft_by_id(session, team_id, draft_id)
    if draft is None:
        return MoveResult(MoveOutcome.REFUSED, None, "that draft does not exist")
    site, refdomain = draft.site, draft.refdomain
    if draft.sent_at is not None:
        marks = pipeline.marks_for(session, team_id, site, [refdomain])
        return MoveResult(MoveOutcome.UNCHANGED, marks.get(refdomain))
    follow_up = draft.kind == TemplateKind.FOLLOW_UP
    sent_before = drafts.follow_ups_sent(session, team_id, site, refdomain)
    refusal = follow_up_refusal(refdomain, sent_before) if follow_up else None
    if refusal is not None:
        return MoveResult(MoveOutcome.REFUSED, None, refusal)
    status = Status.FOLLOWED_UP if follow_up else Status.CONTACTED
    request = Move(team_id, site, refdomain, status, user_id)
    result = pipeline.move(session, request)
    if result.outcome in (MoveOutcome.REFUSED, MoveOutcome.OWNED):
        return result
    if result.outcome is MoveOutcome.UNCHANGED:
        # A second follow-up keeps the status; the log still records it.
        pipeline.log_event(session, request, status, now)
        result = MoveResult(MoveOutcome.CHANGED, result.mark)
    drafts.set_sent(session, team_id, draft_id, now)
    _schedule_next(session, request, sent_before + follow_up, now)
    return result


def _schedule_next(session: Session, sent: Move, follow_ups: int, sent_at: datetime) -> None:
    """Replace the domain's pending reminder with the next one the follow-up rules ask for."""
    step = next_step(sent.status, follow_ups, sent_at, days=follow_up_days(session, sent.team_id))
    if step.action is NextAction.NONE or step.due_at is None:
        reminders.cancel_reminders(session, sent.team_id, sent.site, sent.refdomain)
        return
    reminder = Reminder(
        team_id=sent.team_id,
        site=sent.site,
        refdomain=sent.refdomain,
        owner_id=sent.user_id,
        action=step.action.value,
        follow_ups_sent=follow_ups,
        due_at=step.due_at,
    )
    reminders.remind(session, reminder)


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
        reminder = reminders.reminder_by_id(session, team_id, reminder_id)
        if reminder is None or reminder.owner_id != user_id:
            return None
        site, refdomain = reminder.site, reminder.refdomain
        if choice is ReminderChoice.SNOOZE:
            until = snooze_until(now)
            again = reminders.snooze(session, team_id, reminder_id, until)
            outcome = MoveOutcome.CHANGED if again else MoveOutcome.UNCHANGED
            return ReminderAnswer(site, refdomain, choice, MoveResult(outcome, None), until)
        result = pipeline.move(
            session, Move(team_id, site, refdomain, REMINDER_MOVES[choice], user_id)
        )
        if result.outcome in (MoveOutcome.CHANGED, MoveOutcome.UNCHANGED):
            reminders.cancel_reminders(session, team_id, site, refdomain)
        return ReminderAnswer(site, refdomain, choice, result)


def take_over(services: Services, team_id: str, user_id: str, site: str, refdomain: str) -> bool:
    """ "Contact anyway": the domain becomes the user's; the change is logged."""
    with session_scope(services.engine) as session:
        return pipeline.reassign(session, team_id, site, refdomain, user_id)


# -- settings ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SenderSettings:
    sender_name: str
    signature: str
    follow_up_days: int


def sender_settings(services: Services, team_id: str, user_id: str) -> SenderSettings:
    with session_scope(services.engine) as session:
        profile = sender_profile(session, team_id, user_id)
        days = follow_up_days(session, team_id)
        return SenderSettings(profile.sender_name, profile.signature, days)


def save_sender_settings(
    services: Services, team_id: str, user_id: str, settings: SenderSettings
) -> None:
    with session_scope(services.engine) as session:
        save_sender_profile(session, team_id, user_id, settings.sender_name, settings.signature)
        set_follow_up_days(session, team_id, settings.follow_up_days)
