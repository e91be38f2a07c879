"""Every action id, callback id and command name the Slack app uses, in one place."""

from __future__ import annotations

from enum import StrEnum

GAPS_COMMAND = "/gaps"
# `/gaps watch SITE vs ...` adds a watch in the channel; `/gaps watches` lists its watches.
WATCH_WORD = "watch"
WATCHES_WORD = "watches"


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
    PAID_SOURCES = "home_paid_sources"
    PIPELINE_CHART = "home_pipeline_chart"
    DRAFT_EMAIL = "outreach_draft_email"
    DRAFT_TARGET = "outreach_draft_target"
    DRAFT_RERENDER = "outreach_draft_rerender"
    DRAFT_INPUT = "outreach_draft_input"
    MARK_SENT = "outreach_mark_sent"
    EDIT_DRAFT = "outreach_edit_draft"
    OPEN_MAILTO = "outreach_open_mailto"
    CONTACT_ANYWAY = "outreach_contact_anyway"
    SENDER_SETTINGS = "outreach_sender_settings"
    FIND_CONTACTS = "outreach_find_contacts"
    CHOOSE_CONTACT = "outreach_choose_contact"
    DRAFT_FOLLOW_UP = "reminder_draft_follow_up"
    GOT_REPLY = "reminder_got_reply"
    WON = "reminder_won"
    SNOOZE = "reminder_snooze"
    STOP = "reminder_stop"
    WATCH_PAUSE = "watch_pause"
    WATCH_RESUME = "watch_resume"
    WATCH_DELETE = "watch_delete"
    LINKING_PAGE = "won_linking_page"
    LINK_LOST = "won_link_lost"
    LINK_RECHECK = "won_link_recheck"


class Callback(StrEnum):
    """Modal `callback_id`s."""

    LINKS = "gaps_links_modal"
    DRAFT = "outreach_draft_modal"
    SENDER_SETTINGS = "outreach_sender_settings_modal"
    WON = "won_link_modal"


class Field(StrEnum):
    """Input `block_id`s of the draft, settings and Won modals; the draft's match
    DraftContext names.

    Subject and body carry a revision suffix (`body:3`): Slack keeps what the user typed in
    an input whose block id is unchanged, so a re-rendered email needs fresh ids. So do the
    recipient's name and email once a found contact fills them (`recipient_email:f1`).
    """

    TEMPLATE = "template"
    CONTACT = "contact"
    RECIPIENT_NAME = "recipient_name"
    RECIPIENT_EMAIL = "recipient_email"
    COMMON_GROUND = "common_ground"
    PAGE_NOTE = "page_note"
    OFFER = "offer"
    MY_PAGE = "my_page"
    SUBJECT = "subject"
    BODY = "body"
    SENDER_NAME = "sender_name"
    SIGNATURE = "signature"
    FOLLOW_UP_DAYS = "follow_up_days"
    LINKING_PAGE = "linking_page"
