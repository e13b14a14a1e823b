"""Shared test helpers: a refusal must have the expected code and a message that renders."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.catalog import error_text
from domain.errors import ValidationFailed


def refused(code: str, rule: Callable[..., Any], *args: Any, **kwargs: Any) -> ValidationFailed:
    """Call `rule`, expect ValidationFailed(`code`), and check its Italian text renders."""
    with pytest.raises(ValidationFailed) as caught:
        rule(*args, **kwargs)
    assert caught.value.code == code, caught.value.params
    assert error_text(caught.value)  # every placeholder has a param
    return caught.value
