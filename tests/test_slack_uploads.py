"""bot/slack/uploads/: exports sent to Gapbot in a DM, imported for the sender's workspace."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import SIGNING_SECRET, build_index, sample_links
from export_files import EXPORTS
from fake_slack import FakeSlack, SlackDriver
from slack_sdk.oauth.installation_store import Installation

from bot.config import Settings
from bot.links.index import LinkIndex
from bot.slack.uploads import files as uploads
from bot.slack.uploads.files import UploadRefused, downloaded, site_in
from bot.store.db import create_schema, make_engine
from bot.store.installations import installation_store

DM = "D1"
# The Ahrefs backlinks fixture: its report, and rival-a.com's profile, worked out by hand
# from tests/fixtures/exports/ahrefs-rival-a-backlinks.tsv.
AHREFS_REPORT = (
    "ahrefs-rival-a-backlinks.tsv (Ahrefs backlinks export of 2026-11-01, dated by its"
    " Last seen and Lost columns): read 9 rows, imported 6 links\n"
    "  skipped 1 duplicate link: news.example\n"
    "  skipped 1 link from a site to itself: rival-a.com\n"
    "  skipped 1 lost link: gone.example\n"
    "  rival-a.com: 6 links"
)
RIVAL_A = ("rival-a.com", 5, 6)  # (site, referring domains, live links)


def ahrefs_export() -> bytes:
    text = (EXPORTS / "ahrefs-rival-a-backlinks.tsv").read_text(encoding="utf-8")
    return text.encode("utf-16")  # as Ahrefs writes it: UTF-16 with a byte-order mark


def share(slack: SlackDriver, file_id: str, text: str = "", *, team: str | None = None) -> None:
    """The `message` event of subtype `file_share` that a DM with a file sends
    (https://api.slack.com/events/message/file_share)."""
    event = {
        "type": "message",
        "subtype": "file_share",
        "text": text,
        "files": [{"id": file_id, "mode": "hosted"}],
        "upload": True,
        "user": "U1",
        "display_as_bot": False,
        "ts": f"{time.time():.6f}",
        "channel": DM,
        "channel_type": "im",
    }
    response = slack.event(event, team=team)
    assert response.status_code == 200


def replies(fake: FakeSlack, count: int = 1, channel: str = DM) -> list[str]:
    """The texts posted to `channel`, once there are `count` of them (or fail at a deadline)."""
    deadline = time.monotonic() + 30
    while True:
        found = [
            str(call.args.get("text", ""))
            for call in fake.calls_to("chat.postMessage")
            if call.args.get("channel") == channel
        ]
        if len(found) >= count:
            return found
        assert time.monotonic() < deadline, f"{len(found)} of {count} replies in {channel}"
        time.sleep(0.02)


def downloads(fake: FakeSlack) -> list[Any]:
    return [call for call in fake.calls if call.method.startswith("files-pri/")]


def summary(settings: Settings, team: str) -> list[tuple[str, int, int]]:
    return LinkIndex(settings.index_path, team=team).summary()


# -- one workspace (SLACK_BOT_TOKEN) ----------------------------------------------------------


def test_an_export_in_a_dm_is_imported_for_the_workspace_and_reported(
    slack: SlackDriver,
) -> None:
    file_id = slack.fake.share_file("ahrefs-rival-a-backlinks.tsv", ahrefs_export())
    share(slack, file_id)

    [reply] = replies(slack.fake)
    assert reply == (
        f"Imported for this workspace:\n```\n{AHREFS_REPORT}\n```\n"
        "Next: `/gaps SITE vs COMPETITOR...` over the sites it holds."
    )
    [download] = downloads(slack.fake)
    assert download.headers["authorization"] == "Bearer xoxb-test-token"
    assert summary(slack.settings, "T1") == [RIVAL_A]
    # The terminal's imports (the sample index) are not the workspace's.
    assert "rival-a.com" not in {site for site, _, _ in summary(slack.settings, "cli")}


def test_one_workspace_gaps_over_its_upload_and_the_terminals_imports(
    slack: SlackDriver,
) -> None:
    share(slack, slack.fake.share_file("ahrefs-rival-a-backlinks.tsv", ahrefs_export()))
    replies(slack.fake)

    # mysite.com and a.com are in the terminal's sample index (26 gaps for a.com: see
    # conftest.sample_links), rival-a.com in the upload (5 referring domains, none of them
    # linking to mysite.com or a.com).
    slack.command("mysite.com vs a.com rival-a.com")

    [posted] = replies(slack.fake, channel="C1")
    assert posted == "31 backlink gaps for mysite.com"


def test_an_export_needing_a_site_asks_for_it_then_takes_it_from_the_message(
    slack: SlackDriver,
) -> None:
    content = (EXPORTS / "gsc-mysite-top-linking-sites.csv").read_bytes()
    share(slack, slack.fake.share_file("gsc-mysite-top-linking-sites.csv", content))
    [asked] = replies(slack.fake)
    assert asked == (
        "gsc-mysite-top-linking-sites.csv is a Search Console top linking sites export,"
        " which has no target column: say whose links these are by sending it again with"
        " `site: example.com` as its message."
    )

    # Slack sends a domain typed in a message as a link.
    again = slack.fake.share_file("gsc-mysite-top-linking-sites.csv", content)
    share(slack, again, "site: <http://mysite.com|mysite.com>")

    report = replies(slack.fake, 2)[1]
    assert "read 2 rows, imported 2 links\n  mysite.com: 2 links" in report
    assert (
        LinkIndex(slack.settings.index_path, team="T1")
        .profile("mysite.com")
        .refdomains["mine.org"]
        .links
        == 1204
    )


def test_a_file_that_is_no_export_gets_one_sentence_and_changes_nothing(
    slack: SlackDriver,
) -> None:
    live = LinkIndex(slack.settings.index_path).path
    file_id = slack.fake.share_file("contacts.csv", b"name,email\nbob,bob@example.com\n")
    share(slack, file_id)

    [reply] = replies(slack.fake)
    assert reply.startswith("contacts.csv was not imported: unrecognised export (columns: name,")
    assert reply.endswith(".") and "\n" not in reply
    assert LinkIndex(slack.settings.index_path).path == live
    assert summary(slack.settings, "T1") == []


@pytest.fixture
def only_loopback(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Any lookup of or connection to a host but loopback fails loudly, and is recorded."""
    attempts: list[str] = []
    connect, resolve = socket.create_connection, socket.getaddrinfo

    def guard(host: object) -> None:
        if host not in ("127.0.0.1", "localhost"):
            attempts.append(str(host))
            raise AssertionError(f"a connection to {host} was attempted")

    def guarded_connect(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        guard(address[0])
        return connect(address, *args, **kwargs)

    def guarded_resolve(host: str, *args: Any, **kwargs: Any) -> Any:
        guard(host)
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_resolve)
    return attempts


def test_a_file_on_another_host_is_refused_without_a_connection(
    slack: SlackDriver, only_loopback: list[str]
) -> None:
    file_id = slack.fake.share_file(
        "links.csv",
        b"source_url,target_url\nhttps://x.example/,https://rival-a.com/\n",
        download_url="https://files.evil.example/download/links.csv",
    )
    share(slack, file_id)

    [reply] = replies(slack.fake)
    assert reply == (
        "links.csv was not imported: its address is on files.evil.example, and Gapbot"
        " downloads files from Slack (files.slack.com) only."
    )
    assert only_loopback == []
    assert downloads(slack.fake) == []
    assert summary(slack.settings, "T1") == []


def test_a_file_too_big_is_refused_before_downloading(
    slack: SlackDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 3 * 1024 * 1024)
    file_id = slack.fake.share_file("huge.csv", b"source_url,target_url\n" + b"x" * 4_000_000)
    share(slack, file_id)

    [reply] = replies(slack.fake)
    assert reply == ("huge.csv was not imported: it is larger than 3 MB, the most Gapbot imports.")
    assert downloads(slack.fake) == []


def test_a_download_stops_at_the_cap_whatever_size_slack_said(
    fake_slack: FakeSlack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 1000)
    file_id = fake_slack.share_file("links.csv", b"x" * 5000)
    info = {**fake_slack.files[file_id][0], "size": 10}
    settings = Settings(_env_file=None, SLACK_API_URL=fake_slack.api_url)  # type: ignore[call-arg]

    with (
        pytest.raises(UploadRefused, match="larger than"),
        downloaded(info, settings, "xoxb-test-token"),
    ):
        pass


def test_a_download_with_another_token_is_refused(fake_slack: FakeSlack) -> None:
    file_id = fake_slack.share_file("links.csv", b"source_url,target_url\n")
    settings = Settings(_env_file=None, SLACK_API_URL=fake_slack.api_url)  # type: ignore[call-arg]

    with (
        pytest.raises(UploadRefused, match="HTTP 403"),
        downloaded(fake_slack.files[file_id][0], settings, "xoxb-another-workspace"),
    ):
        pass


@pytest.mark.parametrize(
    ("text", "site"),
    [
        ("site: <http://mysite.com|mysite.com>", "mysite.com"),
        ("for the blog, Site:www.MySite.com please", "mysite.com"),
        ("<https://www.mysite.com/blog>", "mysite.com"),
        ("", None),
        ("here is our export", None),
        ("export.csv", None),  # a file name, not a domain Slack linked
    ],
)
def test_the_site_a_message_names(text: str, site: str | None) -> None:
    assert site_in(text) == site


def test_a_message_naming_no_site_is_refused() -> None:
    with pytest.raises(UploadRefused, match="'localhost' in its message is not a site"):
        site_in("site: localhost")


# -- many workspaces (OAuth) ------------------------------------------------------------------

CLIENT_ID = "111.222"


@pytest.fixture
def workspaces(tmp_path: Path, fake_slack: FakeSlack) -> Iterator[SlackDriver]:
    """The app installed in T2 and T3, with the terminal's sample index (team cli)."""
    home = tmp_path / "home"
    build_index(home, sample_links())
    values = {
        "GAPBOT_HOME": str(home),
        "GAPBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        "GAPBOT_LINK_SOURCE": "local",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": "client-secret",
        "SLACK_API_URL": fake_slack.api_url,
    }
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    engine = make_engine(settings.app_database_url)
    create_schema(engine)
    store = installation_store(engine, CLIENT_ID)
    for team in ("T2", "T3"):
        store.save(
            Installation(
                app_id="A1",
                team_id=team,
                bot_token=f"xoxb-{team.lower()}",
                bot_id=f"B{team}",
                bot_user_id=f"UBOT{team}",
                bot_scopes=["commands", "chat:write", "files:read", "im:history"],
                user_id="U1",
            )
        )
    driver = SlackDriver.in_process(settings, fake_slack, SIGNING_SECRET)
    yield driver
    driver.stop()


def test_a_workspace_never_sees_another_workspaces_upload(workspaces: SlackDriver) -> None:
    fake = workspaces.fake
    share(
        workspaces,
        fake.share_file("ahrefs-rival-a-backlinks.tsv", ahrefs_export(), token="xoxb-t2"),
        team="T2",
    )
    assert "imported 6 links" in replies(fake)[0]

    workspaces.command("mysite.com vs a.com rival-a.com", team="T2", channel="C2")
    workspaces.command("mysite.com vs a.com rival-a.com", team="T3", channel="C3")

    # T2 sees its upload's 5 referring domains of rival-a.com, and not the terminal's
    # a.com (26 gaps with one workspace); T3 sees neither.
    assert replies(fake, channel="C2") == ["5 backlink gaps for mysite.com"]
    assert replies(fake, channel="C3") == ["0 backlink gaps for mysite.com"]
