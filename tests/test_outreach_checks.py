"""Tests for bot/outreach/checks.py: the 200-word rule, placeholders, email, copy-paste guard."""

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.outreach.checks import (
    check_draft,
    find_placeholder,
    is_valid_email,
    looks_copied,
    similarity,
    too_similar,
    word_count,
    word_count_label,
)
from bot.outreach.drafts import EXAMPLE_CONTEXT, Draft, TemplateKind
from bot.outreach.templates import load_templates, render_draft, template_dirs

GOOD_BODY = (
    "Hi Priya,\n\nYour grants page is the clearest summary I have found.\n\n"
    "Our calculator might help your readers: https://warmhome.io/tools/calc\n\nTom"
)


def draft(body: str = GOOD_BODY, subject: str = "A calculator for your list") -> Draft:
    return Draft("resource_page", TemplateKind.FIRST, subject, body)


@given(st.text())
def test_word_count_is_whitespace_separated_tokens(body: str) -> None:
    assert word_count(body) == len(body.split())


@given(st.lists(st.text(alphabet="abc.,'-/:", min_size=1), max_size=300))
def test_word_count_counts_words_however_they_are_spaced(words: list[str]) -> None:
    assert word_count("  \n".join(words) + "\t") == len(words)


def test_word_count_label() -> None:
    assert word_count_label("one two\nthree") == "3 / 200 words"
    assert word_count_label("") == "0 / 200 words"


def test_200_words_pass_and_201_are_refused() -> None:
    assert check_draft(draft(" ".join(["word"] * 200)), EXAMPLE_CONTEXT) == {}
    errors = check_draft(draft(" ".join(["word"] * 201)), EXAMPLE_CONTEXT)
    assert errors == {"body": "The email is 201 words; cut it to 200 or fewer."}


def test_a_good_draft_has_no_errors() -> None:
    assert check_draft(draft(), EXAMPLE_CONTEXT) == {}


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Hi [Name],", "[Name]"),
        ("see [your site here]", "[your site here]"),
        ("Hi {{ recipient_name }}", "{{"),
        ("left over }} here", "}}"),
        ("{% if x %}", "{%"),
        ("TODO: add link", "TODO"),
        ("link: XXX", "XXX"),
        ("Best, <your name>", "<your name>"),
        ("<Insert link>", "<Insert link>"),
    ],
)
def test_placeholders_are_found(text: str, found: str) -> None:
    assert find_placeholder(text) == found


@pytest.mark.parametrize(
    "text",
    [GOOD_BODY, "Footnote [1] and a list: a, b", "Write to <jane@example.com>", "my todo list"],
)
def test_ordinary_text_is_not_a_placeholder(text: str) -> None:
    assert find_placeholder(text) is None


def test_a_placeholder_in_body_or_subject_is_refused() -> None:
    errors = check_draft(
        draft("Hi [Name], " + GOOD_BODY, "About {{ their_site }}"), EXAMPLE_CONTEXT
    )
    assert errors == {
        "subject": "Replace the placeholder '{{' in the subject line before sending.",
        "body": "Replace the placeholder '[Name]' in the email before sending.",
    }


def test_an_empty_body_or_subject_is_refused() -> None:
    errors = check_draft(draft(" \n", ""), EXAMPLE_CONTEXT)
    assert errors == {"subject": "The subject line is empty.", "body": "The email is empty."}


@pytest.mark.parametrize(
    "address", ["jane@example.com", "jane.doe+links@mail.example.co.uk", "o'brien@ex-ample.io"]
)
def test_valid_email_addresses(address: str) -> None:
    assert is_valid_email(address)


@pytest.mark.parametrize(
    "address",
    [
        "",
        "jane",
        "jane@",
        "@example.com",
        "jane@example",
        "jane doe@example.com",
        "jane..doe@example.com",
        "Jane <jane@example.com>",
        "a@b.com, c@d.com",
        "jane@-x.com",
    ],
)
def test_invalid_email_addresses(address: str) -> None:
    assert not is_valid_email(address)


def test_a_bad_email_address_is_refused() -> None:
    errors = check_draft(draft(), replace(EXAMPLE_CONTEXT, recipient_email="priya@"))
    assert errors == {"recipient_email": "Enter one valid email address, like jane@example.com."}


def test_a_draft_with_nothing_personal_is_refused() -> None:
    context = replace(EXAMPLE_CONTEXT, common_ground=" ", page_note="")
    assert list(check_draft(draft(), context)) == ["common_ground"]
    assert check_draft(draft(), replace(context, page_note="Loved the checklist.")) == {}


def test_similarity_of_identical_and_unrelated_text() -> None:
    assert similarity(GOOD_BODY, GOOD_BODY) == 1.0
    assert similarity(GOOD_BODY, GOOD_BODY.upper()) == 1.0
    assert similarity("apples and pears", "trains leave at noon") == 0.0


def test_the_same_email_with_only_the_name_swapped_is_too_similar() -> None:
    template = load_templates(template_dirs()).templates["resource_page"]
    sent = render_draft(template, EXAMPLE_CONTEXT).body
    copy = render_draft(template, replace(EXAMPLE_CONTEXT, recipient_name="Marcus"))
    assert too_similar(copy.body, [sent])
    assert looks_copied(copy, ["unrelated", sent])
    assert check_draft(copy, EXAMPLE_CONTEXT) == {}  # a warning when saved, not a refusal


def test_a_personalised_email_from_the_same_template_passes() -> None:
    template = load_templates(template_dirs()).templates["resource_page"]
    sent = render_draft(template, EXAMPLE_CONTEXT).body
    other = replace(
        EXAMPLE_CONTEXT,
        recipient_name="Marcus",
        their_site="solarweekly.com",
        their_pages=("https://solarweekly.com/best-energy-tools",),
        competitors=("heatpumpcalc.com",),
        common_ground="We are both in the Renewable Writers group, and I liked your MCS thread.",
        page_note="",
    )
    fresh = render_draft(template, other)
    assert not too_similar(fresh.body, [sent])
    assert not looks_copied(fresh, [sent])


def test_follow_ups_are_not_held_to_the_similarity_guard() -> None:
    follow_up = Draft("follow_up_1", TemplateKind.FOLLOW_UP, "Re: hello", GOOD_BODY)
    assert not looks_copied(follow_up, [GOOD_BODY])
    assert too_similar(GOOD_BODY, [GOOD_BODY])


def test_nothing_sent_yet_is_never_too_similar() -> None:
    assert not too_similar(GOOD_BODY, [])
