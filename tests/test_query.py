"""bot/query.py: one parser for `gapbot gaps` and `/gaps`, filters included."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.gaps import DomainFilter, SortOrder
from bot.query import (
    QueryError,
    excluded_patterns,
    gap_text,
    make_links_query,
    make_query,
    parse_gap_text,
    parse_tlds,
    parse_watch_text,
    patterns_in,
    stored_rows_key,
)
from bot.store.watches import Every


def test_slack_text_takes_every_filter() -> None:
    query = parse_gap_text(
        "mysite.com vs a.com b.com --tld -ru,-cn --tld DE --min-authority 30"
        " --exclude *.blogspot.com --exclude https://www.Spam.com/x"
    )
    assert query.options.filters == DomainFilter(
        min_authority=30,
        tlds=("de",),
        excluded_tlds=("ru", "cn"),
        excluded=("*.blogspot.com", "spam.com"),
    )


def test_choices_are_case_insensitive() -> None:
    query = parse_gap_text("mysite.com a.com --sort Authority --source LOCAL")
    assert (query.options.sort, query.source) == (SortOrder.AUTHORITY, "local")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("vs a.com", "the site is missing: SITE vs COMPETITOR..."),
        ("exa_mple.com vs a.com", "bad domain: 'exa_mple.com': no registry allows"),
        ("me.com a.com https://www.A.com/x", "a.com is listed twice as a competitor"),
        ("me.com a.com --source nope", "unknown source 'nope': use one of local, webgraph,"),
        ("me.com a.com --min-authority 101", "--min-authority must be between 0 and 100"),
        ("me.com a.com --tld dee", "--tld: 'dee' is not a public suffix"),
        ("me.com a.com --exclude blog*.spam.com", "--exclude: 'blog*.spam.com' names hosts inside"),
        # Slack users have no files on the server: @FILE would read the server's.
        ("me.com a.com --exclude @/etc/passwd", "--exclude @FILE works in the terminal only"),
    ],
)
def test_bad_input_names_the_bad_part(text: str, message: str) -> None:
    with pytest.raises(QueryError) as raised:
        parse_gap_text(text)
    assert str(raised.value).startswith(message)


suffixes = st.sampled_from(["de", "at", "com", "co.uk", "uk", "blogspot.com", "fr"])


@given(st.lists(st.tuples(st.booleans(), suffixes), min_size=1, max_size=8), st.integers(1, 3))
def test_tld_lists_split_into_kept_and_left_out(items: list[tuple[bool, str]], values: int) -> None:
    written = [("-" if leave_out else "") + suffix for leave_out, suffix in items]
    # The same items, over one to three `--tld` values, with spaces and empty items.
    chunks = [written[i::values] for i in range(values)]
    kept, left_out = parse_tlds([" , ".join(chunk) + "," for chunk in chunks])
    assert set(kept) == {suffix for leave_out, suffix in items if not leave_out}
    assert set(left_out) == {suffix for leave_out, suffix in items if leave_out}
    assert len(kept) == len(set(kept)) and len(left_out) == len(set(left_out))


def test_an_exclude_file_has_one_entry_a_line_and_comments() -> None:
    text = (
        "# found by the team\n"
        "spam.com\n"
        "\n"
        "domain:casino.net   # a disavow file's line\n"
        "https://user:pw@www.link-farm.org/page\n"
        "*.blogspot.com\r\n"
        "spam.com\n"
    )
    files = {"bad.txt": text}
    assert excluded_patterns(["@bad.txt", "extra.org"], files.__getitem__) == (
        "spam.com",
        "casino.net",
        "link-farm.org",
        "*.blogspot.com",
        "extra.org",
    )


def test_a_bad_line_is_named_with_its_file_and_number() -> None:
    with pytest.raises(QueryError, match=r"^list.txt line 3: 'co.uk' is a public suffix"):
        patterns_in("a.com\n# fine\nco.uk\n", "list.txt")


domains = st.sampled_from(["spam.com", "casino.net", "bbc.co.uk", "203.0.113.9", "a.blogspot.com"])
comments = st.sampled_from(["", "  # spam", "\t#", " # a, b; c"])


@given(st.lists(st.tuples(domains, comments, st.booleans()), max_size=10))
def test_a_file_of_domains_gives_exactly_its_domains(
    lines: list[tuple[str, str, bool]],
) -> None:
    text = "".join(
        f"{domain}{comment}\n" + ("\n# a whole-line comment\n" if blank else "")
        for domain, comment, blank in lines
    )
    assert patterns_in(text, "f") == [domain for domain, _, _ in lines]


def test_min_authority_and_filters_reach_the_options() -> None:
    query = make_query(["me.com", "a.com"], min_authority=0, tlds=["co.uk"], excluded=["x.com"])
    assert query.options.filters == DomainFilter(0, ("co.uk",), (), ("x.com",))


def test_a_links_query_takes_a_referring_domain_as_data_names_it() -> None:
    query = make_links_query(["https://www.München-Blog.de/x", "me.com", "vs", "a.com", "b.com"])
    assert (query.domain, query.site, query.competitors) == (
        "xn--mnchen-blog-thb.de",
        "me.com",
        ("a.com", "b.com"),
    )
    assert make_links_query(["my_blog.example", "me.com", "a.com"]).domain == "my_blog.example"
    with pytest.raises(QueryError, match="the site is missing"):
        make_links_query(["news.example", "vs", "a.com"])


def test_gaps_text_takes_a_site_source() -> None:
    query = parse_gap_text("me.com vs a.com --site-source Local --source dataforseo")
    assert (query.site_source, query.source) == ("local", "dataforseo")
    with pytest.raises(QueryError, match="cannot be mixed with --source webgraph"):
        parse_gap_text("me.com vs a.com --site-source local --source webgraph")


WATCHED = (
    "https://www.MySite.com/ vs a.com,b.com c.com --min-matches 2 --dofollow-only --sort authority"
    " --source local --site-source local --min-authority 30 --tld de --tld -ru"
    " --exclude *.blogspot.com --exclude 'spam.com'"
)


def test_a_query_written_out_as_text_reads_back_the_same() -> None:
    query = parse_gap_text(WATCHED)
    assert gap_text(query) == (
        "mysite.com vs a.com b.com c.com --min-matches 2 --dofollow-only --sort authority"
        " --source local --site-source local --min-authority 30 --tld=de,-ru"
        " --exclude '*.blogspot.com' --exclude spam.com"
    )
    assert parse_gap_text(gap_text(query)) == query
    assert gap_text(parse_gap_text("me.com a.com")) == "me.com vs a.com"


def test_a_watch_takes_every_gaps_option_and_how_often() -> None:
    query, every = parse_watch_text(WATCHED + " --every MONTH")
    assert (query, every) == (parse_gap_text(WATCHED), Every.MONTH)
    assert parse_watch_text("me.com vs a.com")[1] is Every.WEEK
    with pytest.raises(QueryError, match="--every 'hourly': use one of day, week, month"):
        parse_watch_text("me.com vs a.com --every hourly")
    with pytest.raises(QueryError, match="--refresh does not apply to a watch"):
        parse_watch_text("me.com vs a.com --refresh")


def test_the_same_stored_rows_whatever_the_view() -> None:
    one = parse_gap_text("me.com vs a.com b.com --tld de")
    assert stored_rows_key(one) == stored_rows_key(
        parse_gap_text("me.com vs a.com b.com --tld de --min-matches 2 --sort authority")
    )
    assert stored_rows_key(one) != stored_rows_key(parse_gap_text("me.com vs a.com b.com"))
    assert stored_rows_key(one) != stored_rows_key(parse_gap_text("me.com vs b.com a.com --tld de"))
