"""What buttons and modals carry, encoded and decoded here only, and decoded once per request.

A button's `value` (or a menu option's) and a modal's `private_metadata` come back with
every click on messages posted long ago, so their keys never change; a value this app
did not write is refused before any listener reads it. Each feature declares its kinds
in its `ids.py` (subclasses of `ButtonValue`, `BareId` or `ModalMetadata`); a listener
registered with `carrying(kind)` is handed the decoded value as its `carried` argument.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any, Self, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
)
from slack_bolt import BoltContext, BoltResponse, Respond

from bot.domains import authority_of
from bot.slack.context import services_of
from bot.slack.posting import tell
from bot.slack.texts import damaged_form_text

log = logging.getLogger(__name__)

# Ids are INTEGER columns (32 bits on PostgreSQL); a larger one names nothing and would
# overflow the query, so it is refused with the rest of a forged value.
MAX_ID = 2**31 - 1
# A DNS name's limit: a row's domain longer than this was not written by this app.
MAX_DOMAIN_LENGTH = 253
# The context key (and so the listener argument) the decoded value is handed over as.
CARRIED = "carried"


class ValueRefused(ValueError):
    """A button value or private_metadata that this app did not write."""


def bounded(value: object, low: int, high: int = MAX_ID) -> int:
    """A whole number within `low`..`high`; ValueError for anything else."""
    # A whole number only: JSON's 1e30, 2.5 or true are not what this app wrote.
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"not a whole number: {value!r}")
    number = int(value)
    if not low <= number <= high:
        raise ValueError(f"{number} is outside {low}..{high}")
    return number


def _row_domain(domain: str) -> str:
    """A domain as a result row carries it: one host name of a sane length, nothing more."""
    if not (0 < len(domain) <= MAX_DOMAIN_LENGTH and authority_of(domain) == domain):
        raise ValueError(f"not a result row's domain: {domain[:80]!r}")
    return domain


# The field types of the kinds: what each accepts is what this app writes.
Count = Annotated[int, BeforeValidator(partial(bounded, low=0))]
Positive = Annotated[int, BeforeValidator(partial(bounded, low=1))]
Id = Positive  # a database id
Flag = Annotated[bool, BeforeValidator(bool)]
Text = Annotated[str, BeforeValidator(str)]
RowDomain = Annotated[str, AfterValidator(_row_domain)]


def key(name: str) -> Any:
    """A field's short key in the encoded form (a button value holds 2000 characters)."""
    return Field(validation_alias=name, serialization_alias=name)


class _Carried(BaseModel):
    model_config = ConfigDict(
        frozen=True, validate_by_name=True, validate_by_alias=True, serialize_by_alias=True
    )

    @classmethod
    def written(cls, **fields: Any) -> Self:
        """The value as this app writes it, unchecked: the checks are for what comes back.
        (A row of odd data still gets its buttons; a click on them is refused.)"""
        return cls.model_construct(**fields)


class ButtonValue(_Carried):
    """A button's (or a menu option's) value, as compact JSON."""


class BareId(_Carried):
    """A button value that is one database id, written as its digits."""

    id: Id

    @classmethod
    def of(cls, id: int | None) -> Self:
        return cls.written(id=id)


class ModalMetadata(_Carried):
    """A modal's private_metadata, as compact JSON."""


Kind = TypeVar("Kind", bound=_Carried)


def encode(value: _Carried) -> str:
    """The text a button value or private_metadata holds."""
    if isinstance(value, BareId):
        return str(value.id)
    return value.model_dump_json()


def decode(kind: type[Kind], text: str) -> Kind:
    """`text` as `kind`; ValueRefused if this app did not write it so."""
    try:
        if issubclass(kind, BareId):
            return kind.model_validate({"id": text})
        return kind.model_validate_json(text)
    except ValidationError as error:
        raise ValueRefused(f"not a {kind.__name__}: {text[:80]!r}") from error


def carrying(
    kind: type[_Carried], *, refused: str | None = None, errors_on: str | None = None
) -> list[Callable[..., BoltResponse | None]]:
    """The listener middleware that hands the listener what `kind`'s button or modal
    carries, decoded, as its `carried` argument.

    A value this app did not write never reaches the listener: the clicker is told
    `refused` (nothing, if None), and a modal submitted with such private_metadata is
    answered on its input `errors_on`.
    """

    def decode_carried(
        body: dict[str, Any],
        context: BoltContext,
        respond: Respond | None,
        next: Callable[[], BoltResponse],
    ) -> BoltResponse | None:
        carried = _carried(kind, body)
        if carried is not None:
            context[CARRIED] = carried
            return next()
        if errors_on is not None and body.get("type") == "view_submission":
            errors = {errors_on: damaged_form_text()}
            return BoltResponse(status=200, body={"response_action": "errors", "errors": errors})
        if refused is not None and respond is not None:
            services_of(context).after_answer(lambda: tell(respond, refused))
        return BoltResponse(status=200, body="")

    return [decode_carried]


def _carried(kind: type[_Carried], body: dict[str, Any]) -> _Carried | None:
    if issubclass(kind, ModalMetadata):
        view = body.get("view") or {}
        try:
            return decode(kind, str(view.get("private_metadata") or ""))
        except ValueRefused as error:
            log.warning("a %s's private_metadata could not be read: %r", kind.__name__, error)
            return None
    action = (body.get("actions") or [{}])[0]
    chosen = action.get("selected_option") if "selected_option" in action else action
    try:
        return decode(kind, str((chosen or {}).get("value", "")))
    except ValueRefused:
        return None
