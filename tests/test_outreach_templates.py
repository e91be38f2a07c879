"""Tests for bot/outreach/templates.py: loading, checking and sandboxed rendering."""

from dataclasses import replace
from pathlib import Path

import pytest
from jinja2.sandbox import SecurityError

from bot.outreach.checks import MAX_WORDS, find_placeholder, word_count
from bot.outreach.drafts import EXAMPLE_CONTEXT, DraftContext, TemplateKind
from bot.outreach.templates import (
    BUNDLED_TEMPLATES_DIR,
    ENVIRONMENT,
    DraftError,
    OutreachTemplate,
    TemplateLibrary,
    and_list,
    load_templates,
    render_draft,
    template_dirs,
)

HEADER = "{#\nname: Test\ndescription: A test template.\nsubject: Hello {{ their_site }}\n#}\n"

# A second realistic recipient: short values, no name known, no offer, one competitor.
SPARSE_CONTEXT = DraftContext(
    recipient_email="editor@tinyhouse.blog",
    their_site="tinyhouse.blog",
    my_page="https://warmhome.io/guides/insulating-a-small-home",
    competitors=("insulationhub.com",),
    page_note="Your build diary for the cabin in Wales was a great read.",
    article_idea="I could write up how we insulated a 20 square metre cabin for under 900 pounds.",
    broken_url="https://deadlink.example/insulation",
    my_site="warmhome.io",
    previous_subject="Your cabin build diary",
    sender_name="Tom",
)


@pytest.fixture(scope="module")
def bundled() -> TemplateLibrary:
    return load_templates(template_dirs())


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def bare_template(body: str) -> OutreachTemplate:
    """A template built without the loader, so none of its checks apply."""
    return OutreachTemplate(
        key="custom",
        name="Custom",
        description="Built by hand.",
        kind=TemplateKind.FIRST,
        subject=ENVIRONMENT.from_string("Hello"),
        body=ENVIRONMENT.from_string(body),
    )


def problems_for(folder: Path, text: str) -> list[str]:
    write(folder, "broken.j2", text)
    library = load_templates([folder])
    assert "broken" not in library.templates
    return [str(problem) for problem in library.problems]


def test_bundled_templates_load_without_problems(bundled: TemplateLibrary) -> None:
    assert bundled.problems == ()
    assert len(bundled.of_kind(TemplateKind.FIRST)) >= 5
    assert len(bundled.of_kind(TemplateKind.FOLLOW_UP)) >= 2
    for template in bundled.templates.values():
        assert template.name and template.description


@pytest.mark.parametrize("context", [EXAMPLE_CONTEXT, SPARSE_CONTEXT], ids=["full", "sparse"])
def test_every_bundled_template_renders_under_the_word_limit(
    bundled: TemplateLibrary, context: DraftContext
) -> None:
    for template in bundled.templates.values():
        draft = render_draft(template, context)
        assert 0 < word_count(draft.body) < MAX_WORDS, template.key
        assert draft.subject and "\n" not in draft.subject
        assert find_placeholder(draft.subject + "\n" + draft.body) is None, template.key
        assert "\n\n\n" not in draft.body


def test_bundled_templates_differ_from_each_other(bundled: TemplateLibrary) -> None:
    bodies = {render_draft(t, EXAMPLE_CONTEXT).body for t in bundled.templates.values()}
    assert len(bodies) == len(bundled.templates)


def test_a_template_uses_the_personal_notes(bundled: TemplateLibrary) -> None:
    draft = render_draft(bundled.templates["resource_page"], EXAMPLE_CONTEXT)
    assert EXAMPLE_CONTEXT.common_ground in draft.body
    assert EXAMPLE_CONTEXT.page_note in draft.body
    assert "heatpumpcalc.com, energysavingtrust.org.uk and renewableadvice.net" in draft.body
    assert draft.body.startswith("Hi Priya,")


def test_a_missing_name_gets_a_neutral_greeting(bundled: TemplateLibrary) -> None:
    draft = render_draft(bundled.templates["resource_page"], SPARSE_CONTEXT)
    assert draft.body.startswith("Hi there,")


def test_a_missing_variable_is_an_error_naming_it() -> None:
    with pytest.raises(DraftError, match="'nickname' is undefined"):
        render_draft(bare_template("Hi {{ nickname }}"), EXAMPLE_CONTEXT)


def test_a_needed_field_left_empty_is_named(bundled: TemplateLibrary) -> None:
    context = replace(EXAMPLE_CONTEXT, broken_url="")
    with pytest.raises(DraftError, match="broken link's URL") as info:
        render_draft(bundled.templates["broken_link"], context)
    assert info.value.field == "broken_url"


def test_user_text_is_inserted_literally_not_run() -> None:
    template = bare_template("{{ page_note }}")
    draft = render_draft(template, replace(EXAMPLE_CONTEXT, page_note="{{ 7 * 7 }}"))
    assert draft.body == "{{ 7 * 7 }}"


def test_sandbox_blocks_attribute_escapes() -> None:
    with pytest.raises(SecurityError):
        ENVIRONMENT.from_string("{{ ''.__class__.__mro__ }}").render()


def test_sandbox_escape_in_a_template_is_a_draft_error() -> None:
    template = bare_template("{{ their_site.__class__.__mro__ }}")
    with pytest.raises(DraftError) as info:
        render_draft(template, EXAMPLE_CONTEXT)
    assert isinstance(info.value.__cause__, SecurityError)


def test_sandbox_escape_in_a_file_is_reported_not_loaded(tmp_path: Path) -> None:
    problems = problems_for(tmp_path, HEADER + "Hi\n{{ their_site.__class__.__mro__ }}\n")
    assert problems == [
        f"{tmp_path / 'broken.j2'}:7: The Test template failed: "
        "access to attribute '__class__' of 'str' object is unsafe."
    ]


def test_a_syntax_error_is_reported_with_file_and_line(tmp_path: Path) -> None:
    problems = problems_for(tmp_path, HEADER + "Hi,\n\n{% if offer %}\n{{ offer }}\n")
    assert len(problems) == 1
    assert problems[0].startswith(f"{tmp_path / 'broken.j2'}:9: ")
    assert "endif" in problems[0]


def test_an_unknown_variable_is_reported_with_its_line(tmp_path: Path) -> None:
    problems = problems_for(tmp_path, HEADER + "Hi {{ recipient_name }},\n{{ recipient_nme }}\n")
    assert problems == [f"{tmp_path / 'broken.j2'}:7: unknown variable 'recipient_nme'"]


def test_an_unknown_variable_in_the_subject_points_at_the_subject_line(tmp_path: Path) -> None:
    text = HEADER.replace("{{ their_site }}", "{{ their_domain }}") + "Hi\n"
    assert problems_for(tmp_path, text) == [
        f"{tmp_path / 'broken.j2'}:4: unknown variable 'their_domain'"
    ]


def test_an_unknown_filter_is_reported(tmp_path: Path) -> None:
    problems = problems_for(tmp_path, HEADER + "\n{{ their_site | shout }}\n")
    assert problems[0].startswith(f"{tmp_path / 'broken.j2'}:7: ")
    assert "shout" in problems[0]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("Hi\n", 1, "must start with a '{#' line"),
        ("{#\nname: Test\ndescription: d\nsubject: s\n", 1, "never closed"),
        ("{#\nname: Test\nsubject: s\n#}\nHi\n", 1, "lacks 'description'"),
        ("{#\nname: Test\ndescription: d\nsubjet: s\n#}\nHi\n", 4, "unknown header key 'subjet'"),
        ("{#\nname: Test\nname: Again\n#}\n", 3, "'name' is given twice"),
        ("{#\nname:\n#}\n", 2, "'name' is empty"),
        ("{#\njust words\n#}\n", 2, "must be 'key: value'"),
        (HEADER.replace("#}", "kind: reminder\n#}"), 5, "kind must be 'first' or 'follow-up'"),
        (HEADER.replace("#}", "needs: fax\n#}"), 5, "unknown field 'fax'"),
    ],
)
def test_a_bad_header_is_reported_with_its_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    (problem,) = problems_for(tmp_path, text)
    assert problem.startswith(f"{tmp_path / 'broken.j2'}:{line}: ")
    assert message in problem


def test_a_template_too_long_to_ever_pass_is_reported(tmp_path: Path) -> None:
    (problem,) = problems_for(tmp_path, HEADER + "word " * 201)
    assert (
        problem == f"{tmp_path / 'broken.j2'}: renders to 201 words with the example "
        "values; the limit is 200"
    )


def test_a_file_that_is_not_utf8_is_reported(tmp_path: Path) -> None:
    (tmp_path / "broken.j2").write_bytes(b"\xff\xfe{\x00#\x00")
    assert [str(p) for p in load_templates([tmp_path]).problems] == [
        f"{tmp_path / 'broken.j2'}: not UTF-8 text"
    ]


def test_a_broken_file_does_not_stop_the_others(tmp_path: Path) -> None:
    write(tmp_path, "good.j2", HEADER + "Hi {{ recipient_name }}\n")
    write(tmp_path, "bad.j2", HEADER + "{{ oops\n")
    library = load_templates([tmp_path])
    assert list(library.templates) == ["good"]
    assert [problem.path.name for problem in library.problems] == ["bad.j2"]


def test_the_team_folder_adds_and_overrides_templates(tmp_path: Path) -> None:
    write(tmp_path, "resource_page.j2", HEADER.replace("Test", "Our resource pitch") + "Hi\n")
    write(tmp_path, "podcast.j2", HEADER.replace("Test", "Podcast guest") + "Hi\n")
    library = load_templates(template_dirs(tmp_path))
    assert library.problems == ()
    assert library.templates["resource_page"].name == "Our resource pitch"
    assert library.templates["podcast"].path == tmp_path / "podcast.j2"
    assert library.templates["broken_link"].path == BUNDLED_TEMPLATES_DIR / "broken_link.j2"


def test_a_missing_team_folder_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    library = load_templates(template_dirs(tmp_path / "nowhere"))
    assert "resource_page" in library.templates
    assert [str(p) for p in library.problems] == [
        f"{tmp_path / 'nowhere'}: no such folder of templates"
    ]


@pytest.mark.parametrize(
    ("names", "joined"),
    [
        ((), ""),
        (("a.com",), "a.com"),
        (("a.com", "b.com"), "a.com and b.com"),
        (("a.com", "b.com", "c.com"), "a.com, b.com and c.com"),
    ],
)
def test_and_list(names: tuple[str, ...], joined: str) -> None:
    assert and_list(names) == joined
