"""Verb-less button families (bot.callbacks.Buttons.bare): the buttons already in users'
chats keep their exact bytes and keep being understood; forged ones are refused."""

from __future__ import annotations

import re

from telegram import CallbackQuery, Update, User

from conversations.ats.referents import REVOKE_NO, REVOKE_PICK, REVOKE_YES
from conversations.ats.reminders import PUSH
from conversations.common.onboarding import CONFIRM, REDO


def tap(data: str) -> Update:
    user = User(id=1, first_name="Anna", is_bot=False)
    return Update(1, callback_query=CallbackQuery("1", user, chat_instance="c", data=data))


def test_the_bytes_of_the_buttons_already_sent_are_kept() -> None:
    assert REVOKE_PICK.bare(12, "MIEE8AB01T") == "rv:12:MIEE8AB01T"
    assert REVOKE_YES.bare(12, "MIEE8AB01T") == "rvy:12:MIEE8AB01T"
    assert REVOKE_NO.bare(12, "MIEE8AB01T") == "rvn:12:MIEE8AB01T"
    assert (CONFIRM.bare(), REDO.bare()) == ("onb_ok", "onb_redo")
    assert PUSH.bare("all", "2026-11-17") == "prm:all:2026-11-17"


def test_each_family_answers_only_its_own_buttons() -> None:
    for family, own, other in [
        (REVOKE_PICK, "rv:12:MIEE8AB01T", "rvy:12:MIEE8AB01T"),
        (REVOKE_YES, "rvy:12:MIEE8AB01T", "rv:12:MIEE8AB01T"),
        (CONFIRM, "onb_ok", "onb_redo"),
        (REDO, "onb_redo", "onb_ok"),
        (PUSH, "prm:ATS-MILANO:2026-11-17", "prmx:ATS-MILANO:2026-11-17"),
    ]:
        pattern = re.compile(family.bare_pattern())
        assert pattern.match(own) and not pattern.match(other)


def test_tapped_arguments_or_none_for_a_forged_button() -> None:
    assert REVOKE_YES.tapped_bare(tap("rvy:12:MIEE8AB01T"), 2) == ["12", "MIEE8AB01T"]
    assert CONFIRM.tapped_bare(tap("onb_ok"), 0) == []
    assert REVOKE_YES.tapped_bare(tap("rvy:12"), 2) is None  # wrong shape
    assert REVOKE_YES.tapped_bare(tap("rv:12:MIEE8AB01T"), 2) is None  # another family
    assert REVOKE_YES.tapped_bare(tap("rvy:12:MIEE 8AB01T"), 2) is None  # bad characters
    assert REVOKE_YES.tapped_bare(tap("rvy:" + "1" * 70 + ":X"), 2) is None  # too long
