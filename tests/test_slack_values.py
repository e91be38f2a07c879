"""bot/slack/values.py and the kinds in each feature's ids.py: what buttons and modals carry.

The encoded forms below are written by hand as messages already posted in Slack carry
them; they must keep decoding, and anything else must be refused.
"""

from __future__ import annotations

import pytest

from bot.gaps import SortOrder
from bot.outreach.drafts import TemplateKind
from bot.services.outreach import DraftTarget
from bot.services.paging import ResultView
from bot.slack.drafts.ids import DraftMetadata, DraftRef, TargetRef
from bot.slack.home.ids import (
    PAID_SOURCE_CHOICES,
    AnalysisRef,
    paid_sources_choice,
    paid_sources_value,
)
from bot.slack.reminders.ids import ReminderRef
from bot.slack.results.ids import RowValue, ViewValue
from bot.slack.values import MAX_ID, ValueRefused, decode, encode
from bot.slack.watches.ids import WatchRef
from bot.slack.won.ids import LinkRef, WonMetadata

ROW = '{"a":7,"p":2,"s":"authority","m":3,"f":true,"i":false,"w":false,"d":"gap05.example"}'


def test_a_row_button_posted_earlier_decodes_to_its_view_and_domain() -> None:
    row = decode(RowValue, ROW)

    assert row.view == ResultView(
        7, page=2, sort=SortOrder.AUTHORITY, min_matches=3, dofollow_only=True
    )
    assert row.domain == "gap05.example"


def test_a_view_button_without_the_watch_flag_decodes() -> None:
    value = '{"a":7,"p":0,"s":"matches","m":1,"f":0,"i":1}'

    assert decode(ViewValue, value).view == ResultView(7, show_ignored=True)


def test_what_is_written_is_what_was_written_before() -> None:
    view = ResultView(7, page=2, sort=SortOrder.AUTHORITY, min_matches=3, dofollow_only=True)

    assert encode(RowValue.of_row(view, "gap05.example")) == ROW
    assert encode(TargetRef.of("mysite.com", "gap00.example")) == (
        '{"s":"mysite.com","d":"gap00.example"}'
    )
    assert encode(WatchRef.of(3)) == '{"w":3}'
    assert [encode(kind.of(12)) for kind in (DraftRef, ReminderRef, LinkRef, AnalysisRef)] == [
        "12"
    ] * 4


def test_modal_metadata_posted_earlier_decodes() -> None:
    draft = decode(
        DraftMetadata, '{"s": "mysite.com", "d": "gap00.example", "k": "follow-up", "r": 2, "f": 1}'
    )
    won = decode(WonMetadata, '{"r":5,"c":"DU1","t":"1712.0001"}')

    assert draft.target == DraftTarget("mysite.com", "gap00.example", TemplateKind.FOLLOW_UP)
    assert (draft.revision, draft.filled) == (2, 1)
    assert (won.reminder_id, won.channel_id, won.message_ts) == (5, "DU1", "1712.0001")
    assert decode(DraftMetadata, '{"s":"a.com","d":"b.com","k":"first"}').revision == 0


@pytest.mark.parametrize(
    "value",
    [
        "{nope",
        "[]",
        "null",
        '{"a":7}',
        ROW.replace('"a":7', '"a":true'),
        ROW.replace('"a":7', '"a":7.0'),
        ROW.replace('"a":7', f'"a":{MAX_ID + 1}'),
        ROW.replace('"p":2', '"p":-1'),
        ROW.replace('"m":3', '"m":0'),
        ROW.replace('"s":"authority"', '"s":"newest"'),
        ROW.replace("gap05.example", "gap05.example/path"),
        ROW.replace("gap05.example", "x" * 300 + ".example"),
        ROW.replace(',"d":"gap05.example"', ""),
    ],
)
def test_a_row_value_this_app_did_not_write_is_refused(value: str) -> None:
    with pytest.raises(ValueRefused):
        decode(RowValue, value)


@pytest.mark.parametrize("value", ["", "0", "-1", "1e30", "1" * 40, "²", "null"])
def test_a_bare_id_this_app_did_not_write_is_refused(value: str) -> None:
    with pytest.raises(ValueRefused):
        decode(DraftRef, value)


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (TargetRef, '{"s":"mysite.com"}'),
        (TargetRef, '{"s":"mysite.com","d":"b.com/page"}'),
        (WatchRef, '{"w":"x"}'),
        (DraftMetadata, '{"s":"a.com","d":"b.com","k":"third"}'),
        (DraftMetadata, '{"s":"a.com","d":"b.com","k":"first","r":1e400}'),
        (WonMetadata, '{"r":99999999999999999999,"c":"DU1","t":"1.2"}'),
        (WonMetadata, "{}"),
    ],
)
def test_other_values_this_app_did_not_write_are_refused(kind: type, value: str) -> None:
    with pytest.raises(ValueRefused):
        decode(kind, value)


def test_a_paid_sources_choice_is_one_the_menu_offers() -> None:
    assert [paid_sources_value(choice) for choice in PAID_SOURCE_CHOICES] == [
        "off",
        "1",
        "5",
        "20",
        "100",
    ]
    assert [paid_sources_choice(v) for v in ("off", "1", "100")] == [None, 1.0, 100.0]
    for forged in ("inf", "nan", "-1", "7", "1e308", "", "OFF"):
        with pytest.raises(ValueRefused):
            paid_sources_choice(forged)
