"""Outreach drafting and follow-up rules: pure, no Slack, no database (SPEC 7)."""

from bot.outreach.checks import (
    MAX_WORDS,
    check_draft,
    find_placeholder,
    similarity,
    too_similar,
    word_count,
    word_count_label,
)
from bot.outreach.drafts import Draft, DraftContext, TemplateKind
from bot.outreach.followups import NextAction, NextStep, add_business_days, next_step, snooze_until
from bot.outreach.pipeline import PipelineError, Status, allowed_moves, check_move
from bot.outreach.templates import (
    DraftError,
    OutreachTemplate,
    TemplateLibrary,
    TemplateProblem,
    load_templates,
    render_draft,
    template_dirs,
)

__all__ = [
    "MAX_WORDS",
    "Draft",
    "DraftContext",
    "DraftError",
    "NextAction",
    "NextStep",
    "OutreachTemplate",
    "PipelineError",
    "Status",
    "TemplateKind",
    "TemplateLibrary",
    "TemplateProblem",
    "add_business_days",
    "allowed_moves",
    "check_draft",
    "check_move",
    "find_placeholder",
    "load_templates",
    "next_step",
    "render_draft",
    "similarity",
    "snooze_until",
    "template_dirs",
    "too_similar",
    "word_count",
    "word_count_label",
]
