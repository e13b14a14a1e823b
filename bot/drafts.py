"""The one convention for drafts: each flow keeps its answers in a typed model of its own.

A flow's draft is a `FlowDraft` subclass (frozen, typed fields, no string keys); the flow
engine stores it as JSON with the conversation and hands it back with `load`. Fields the
model does not know (the engine's own bookkeeping) are ignored on load.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from pydantic import BaseModel, ConfigDict


class FlowDraft(BaseModel):
    """The answers of one flow so far."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True, extra="ignore")

    @classmethod
    def load(cls, data: Mapping[str, Any]) -> Self:
        return cls.model_validate(dict(data))

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
