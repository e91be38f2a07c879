"""What a submitted (or changed) modal's inputs hold: the one reader of a view's state."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def input_value(view: Mapping[str, Any], block_id: str) -> str:
    """The text typed, or the option chosen, in the input `block_id` ("" if none)."""
    values: Mapping[str, Mapping[str, Any]] = (view.get("state") or {}).get("values") or {}
    for state in (values.get(block_id) or {}).values():
        chosen = state.get("selected_option") or {}
        return str(chosen.get("value") or state.get("value") or "")
    return ""
