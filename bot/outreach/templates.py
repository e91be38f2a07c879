"""Outreach templates: load and check `.j2` files, render them in a Jinja sandbox.

A template is a plain-text Jinja file whose first lines are a Jinja comment holding its
metadata, one `key: value` a line:

    {#
    name: Resource page
    description: Their resource page links to competitors; suggest your page for it.
    subject: A suggestion for your list on {{ their_site }}
    kind: first
    needs: broken_url, offer
    #}
    Hi {{ recipient_name or "there" }}, ...

`name`, `description` and `subject` (itself a template) are required; `kind` is `first`
(the default) or `follow-up`; `needs` lists context fields that must not be empty.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from bot.outreach.checks import MAX_WORDS, word_count
from bot.outreach.drafts import (
    EXAMPLE_CONTEXT,
    FIELD_LABELS,
    KNOWN_VARIABLES,
    Draft,
    DraftContext,
    TemplateKind,
)

BUNDLED_TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
REQUIRED_KEYS = ("name", "description", "subject")
OPTIONAL_KEYS = ("kind", "needs")

# What a user's template can do wrong at render time, beyond Jinja's own errors.
_RENDER_FAILURES = (TemplateError, ArithmeticError, LookupError, TypeError, ValueError)
_HEADER_LINE = re.compile(r"(?P<key>[a-z_]+)\s*:\s*(?P<value>.*)")


def and_list(items: Iterable[str]) -> str:
    """Join names as a person would: "a", "a and b", "a, b and c"."""
    names = [str(item) for item in items]
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


ENVIRONMENT = ImmutableSandboxedEnvironment(
    undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, autoescape=False
)
ENVIRONMENT.filters["and_list"] = and_list


class DraftError(ValueError):
    """A template could not be rendered for this context; the message says why in a sentence.

    `field` names the DraftContext field to fill in, when that is the cause.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class TemplateProblem:
    """Why a template file was skipped, with the line to look at (None: the whole file)."""

    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"

    def brief(self) -> str:
        """The same with the file's name only (for Slack, which needn't see server paths)."""
        where = f"{self.path.name}:{self.line}" if self.line else self.path.name
        return f"{where}: {self.message}"


class _Invalid(Exception):
    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass(frozen=True)
class OutreachTemplate:
    """A checked template, ready to render. `key` is the file name without `.j2`."""

    key: str
    name: str
    description: str
    kind: TemplateKind
    subject: Template
    body: Template
    needs: tuple[str, ...] = ()
    path: Path | None = None


@dataclass(frozen=True)
class TemplateLibrary:
    """The templates that loaded, by key, and the problems of those that did not."""

    templates: Mapping[str, OutreachTemplate] = field(default_factory=dict)
    problems: tuple[TemplateProblem, ...] = ()

    def of_kind(self, kind: TemplateKind) -> list[OutreachTemplate]:
        return [item for item in self.templates.values() if item.kind == kind]


def template_dirs(team_dir: Path | None = None) -> list[Path]:
    """The bundled templates, then the team's (GAPBOT_TEMPLATES_DIR), which win on a name clash."""
    return [BUNDLED_TEMPLATES_DIR] if team_dir is None else [BUNDLED_TEMPLATES_DIR, team_dir]


def load_templates(dirs: Iterable[Path]) -> TemplateLibrary:
    """Every `*.j2` file in `dirs`, checked; a later folder's template replaces an earlier one."""
    templates: dict[str, OutreachTemplate] = {}
    problems: list[TemplateProblem] = []
    for folder in dirs:
        if not folder.is_dir():
            problems.append(TemplateProblem(folder, None, "no such folder of templates"))
            continue
        for path in sorted(folder.glob("*.j2")):
            try:
                template = _parse_template(path.read_text(encoding="utf-8"), path)
            except UnicodeDecodeError:
                problems.append(TemplateProblem(path, None, "not UTF-8 text"))
            except _Invalid as error:
                problems.append(TemplateProblem(path, error.line, error.message))
            else:
                templates[template.key] = template
    return TemplateLibrary(templates, tuple(problems))


def _parse_template(source: str, path: Path) -> OutreachTemplate:
    """Check and compile one template, or raise _Invalid with the line and the reason."""
    header = _parse_header(source)
    subject_line = header["subject"][0]
    template = OutreachTemplate(
        key=path.stem,
        name=header["name"][1],
        description=header["description"][1],
        kind=_parse_kind(header),
        subject=_compile(header["subject"][1], line_offset=subject_line - 1),
        body=_compile(source),
        needs=_parse_needs(header),
        path=path,
    )
    _check_example(template)
    return template


def render_draft(template: OutreachTemplate, context: DraftContext) -> Draft:
    """Render the subject and body for one recipient; raises DraftError naming what is missing."""
    for name in template.needs:
        if not getattr(context, name):
            label = FIELD_LABELS[name]
            raise DraftError(f"The {template.name} template needs {label}.", field=name)
    variables = context.variables()
    subject = " ".join(_render(template, template.subject, variables).split())
    body = _tidy(_render(template, template.body, variables))
    return Draft(template.key, template.kind, subject, body)


def _render(template: OutreachTemplate, compiled: Template, variables: dict[str, object]) -> str:
    try:
        return compiled.render(variables)
    except _RENDER_FAILURES as error:
        message = (getattr(error, "message", None) or str(error)).rstrip(".")
        raise DraftError(f"The {template.name} template failed: {message}.") from error


def _tidy(text: str) -> str:
    """Trim each line and keep at most one blank line between paragraphs."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def _parse_header(source: str) -> dict[str, tuple[int, str]]:
    """The metadata comment as key -> (line number, value)."""
    lines = source.splitlines()
    if not lines or lines[0].strip() != "{#":
        raise _Invalid(1, "the file must start with a '{#' line opening the metadata header")
    header: dict[str, tuple[int, str]] = {}
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() == "#}":
            return _complete(header)
        if line.strip():
            key, value = _header_entry(number, line)
            if key in header:
                raise _Invalid(number, f"{key!r} is given twice in the header")
            header[key] = (number, value)
    raise _Invalid(1, "the metadata header is never closed with a '#}' line")


def _header_entry(number: int, line: str) -> tuple[str, str]:
    match = _HEADER_LINE.fullmatch(line.strip())
    if not match:
        raise _Invalid(number, "a header line must be 'key: value'")
    key, value = match["key"], match["value"].strip()
    if key not in REQUIRED_KEYS + OPTIONAL_KEYS:
        known = ", ".join(REQUIRED_KEYS + OPTIONAL_KEYS)
        raise _Invalid(number, f"unknown header key {key!r} (known: {known})")
    if not value:
        raise _Invalid(number, f"{key!r} is empty")
    return key, value


def _complete(header: dict[str, tuple[int, str]]) -> dict[str, tuple[int, str]]:
    missing = [key for key in REQUIRED_KEYS if key not in header]
    if missing:
        raise _Invalid(1, f"the header lacks {', '.join(repr(key) for key in missing)}")
    return header


def _parse_kind(header: dict[str, tuple[int, str]]) -> TemplateKind:
    line, value = header.get("kind", (1, TemplateKind.FIRST.value))
    try:
        return TemplateKind(value)
    except ValueError:
        raise _Invalid(line, f"kind must be 'first' or 'follow-up', not {value!r}") from None


def _parse_needs(header: dict[str, tuple[int, str]]) -> tuple[str, ...]:
    line, value = header.get("needs", (1, ""))
    needs = tuple(name.strip() for name in value.split(",") if name.strip())
    unknown = [name for name in needs if name not in FIELD_LABELS]
    if unknown:
        raise _Invalid(line, f"needs lists unknown field {unknown[0]!r}")
    return needs


def _compile(source: str, line_offset: int = 0) -> Template:
    """Parse, refuse unknown variables, compile; errors carry the line in the file."""
    try:
        tree = ENVIRONMENT.parse(source)
        _check_variables(tree, line_offset)
        return ENVIRONMENT.from_string(tree)
    except TemplateSyntaxError as error:
        raise _Invalid((error.lineno or 1) + line_offset, error.message or str(error)) from None


def _check_variables(tree: nodes.Template, line_offset: int) -> None:
    unknown = meta.find_undeclared_variables(tree) - KNOWN_VARIABLES
    for name in tree.find_all(nodes.Name):
        if name.name in unknown:
            raise _Invalid(name.lineno + line_offset, f"unknown variable {name.name!r}")


def _check_example(template: OutreachTemplate) -> None:
    """Render with EXAMPLE_CONTEXT: catches runtime errors and templates too long to ever pass."""
    try:
        draft = render_draft(template, EXAMPLE_CONTEXT)
    except DraftError as error:
        raise _Invalid(_error_line(error.__cause__), str(error)) from None
    words = word_count(draft.body)
    if words > MAX_WORDS:
        raise _Invalid(
            None, f"renders to {words} words with the example values; the limit is {MAX_WORDS}"
        )


def _error_line(error: BaseException | None) -> int | None:
    """The template line a render error happened on (Jinja names template frames <template>)."""
    if error is None:
        return None
    lines = [
        frame.lineno
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename == "<template>"
    ]
    return lines[-1] if lines else None
