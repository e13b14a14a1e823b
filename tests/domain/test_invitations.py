from __future__ import annotations

import hashlib
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.invitations import (
    hash_invitation_code,
    new_invitation_code,
    normalize_invitation_code,
)


def test_new_codes_are_12_unambiguous_characters() -> None:
    codes = {new_invitation_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert re.fullmatch(r"[A-Z2-9]{12}", code)
        assert not set(code) & set("01OIL")
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", code)  # Telegram deep-link parameter


def test_normalize_accepts_what_people_type() -> None:
    code = new_invitation_code()
    typed = f" {code[:4].lower()}-{code[4:8]} {code[8:]} "
    assert normalize_invitation_code(typed) == code


def test_normalize_refuses_what_cannot_be_a_code() -> None:
    assert normalize_invitation_code("ABCDEFGHJKM") is None  # 11
    assert normalize_invitation_code("ABCDEFGHJKMN2") is None  # 13
    assert normalize_invitation_code("ABCDEFGHJKM0") is None  # zero is not used
    assert normalize_invitation_code("ABCDEFGHJKMI") is None
    assert normalize_invitation_code("ABCDEFGHJKMß") is None
    assert normalize_invitation_code("") is None


def test_hash_is_sha256_hex() -> None:
    code = new_invitation_code()
    assert hash_invitation_code(code) == hashlib.sha256(code.encode()).hexdigest()
    assert len(hash_invitation_code(code)) == 64


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_normalize_never_raises(text: str) -> None:
    code = normalize_invitation_code(text)
    assert code is None or normalize_invitation_code(code) == code
