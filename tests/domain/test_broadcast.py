"""/avviso, the pure rules: the admin's text, the audience, the count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.catalog import ERRORS, error_text
from bot.catalog import broadcast as texts
from domain.broadcast import (
    MAX_ATTEMPTS,
    MAX_MESSAGE_LENGTH,
    UNCERTAIN,
    Audience,
    Broadcast,
    DeliveryCount,
    Member,
    Recipient,
    RecipientState,
    SummaryState,
    after_release,
    clean_text,
    count_outcomes,
    next_attempt,
    recipients,
    room_for_text,
    utf16_length,
)
from domain.errors import ValidationFailed
from emulator.formatting import parse, trim, utf16_len
from reminders.broadcast import summary_text
from tests.domain.helpers import refused
from tests.harness import ROME

SCOPES = [("ATS-MILANO", Audience.ALL), ("ATS-MILANO", Audience.SENTINEL), (None, Audience.ALL)]


def shown(html_text: str) -> str:
    """What the person reads, as the Bot API parses and trims it (the emulator's parser)."""
    return trim(parse(html_text, "HTML")).text


# --- the text ---------------------------------------------------------------------------------


def test_the_text_is_kept_as_typed_but_for_the_blank_ends_and_line_breaks() -> None:
    typed = '  Riunione <b>giovedì</b> & "venerdì"\r\nOre 10:00\r\tsala A  \n'
    assert clean_text(typed) == 'Riunione <b>giovedì</b> & "venerdì"\nOre 10:00\n\tsala A'


def test_an_empty_message_is_refused() -> None:
    refused("broadcast_empty", clean_text, "")
    refused("broadcast_empty", clean_text, " \n\t ")


@pytest.mark.parametrize("garbage", ["\x00", "\x1b[31m", "a\x07b", "\x7f", "x\x1cy"])
def test_control_characters_are_refused(garbage: str) -> None:
    refused("broadcast_invalid_chars", clean_text, f"Avviso {garbage} importante")


def test_the_header_takes_its_share_of_the_4096_characters() -> None:
    reserved = texts.header_length("ATS-MILANO", Audience.ALL)
    room = room_for_text(reserved)
    assert room == MAX_MESSAGE_LENGTH - reserved
    assert clean_text("x" * room, reserved) == "x" * room
    error = refused("broadcast_too_long", clean_text, "x" * (room + 1), reserved)
    assert error.params == {"length": room + 1, "max_length": room}
    assert f"{room + 1} caratteri, al massimo {room}" in error_text(error)


def test_length_is_counted_as_telegram_does() -> None:
    assert utf16_length("è") == 1
    assert utf16_length("📢") == 2  # outside the Basic Multilingual Plane
    assert utf16_length("a<&>") == 4  # escaping adds nothing to what is shown
    refused("broadcast_too_long", clean_text, "📢" * 3, MAX_MESSAGE_LENGTH - 5)


@pytest.mark.parametrize(("scope", "audience"), SCOPES)
def test_header_length_is_what_the_header_shows(scope: str | None, audience: Audience) -> None:
    html_text = texts.message(scope, audience, "x")
    assert utf16_len(shown(html_text)) == texts.header_length(scope, audience) + 1
    assert shown(html_text).startswith("📢 Avviso ")


def test_the_header_names_the_sender_and_the_audience() -> None:
    assert shown(texts.message("ATS-MILANO", Audience.ALL, "Ciao")) == (
        "📢 Avviso di ATS-MILANO ai referenti COVID\n\nCiao"
    )
    assert shown(texts.message(None, Audience.SENTINEL, "Ciao")) == (
        "📢 Avviso della Regione ai referenti delle scuole sentinella\n\nCiao"
    )


_MARKUP = st.sampled_from(["<", ">", "&", "&amp;", "<b>", "</i>", "&lt;", '"', "'", "\n", " "])
_FREE_TEXT = st.lists(st.one_of(_MARKUP, st.text(max_size=8)), max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=_FREE_TEXT, scope=st.sampled_from(SCOPES))
def test_any_accepted_text_reaches_the_referents_exactly(
    text: str, scope: tuple[str | None, Audience]
) -> None:
    ats, audience = scope
    reserved = texts.header_length(ats, audience)
    try:
        cleaned = clean_text(text, reserved)
    except ValidationFailed as error:
        assert error.code in ERRORS and error_text(error)
        return
    assert cleaned == cleaned.strip() and cleaned
    seen = shown(texts.message(ats, audience, cleaned))
    header = shown(texts.message(ats, audience, "x"))[:-1]
    assert seen == header + cleaned
    assert utf16_len(seen) <= MAX_MESSAGE_LENGTH


@settings(max_examples=40, deadline=None)
@given(extra=st.integers(min_value=-3, max_value=3), char=st.sampled_from(["a", "<", "&", "è"]))
def test_around_the_limit_the_message_fits_or_is_refused(extra: int, char: str) -> None:
    reserved = texts.header_length("ATS-MILANO", Audience.SENTINEL)
    text = char * (room_for_text(reserved) + extra)
    try:
        cleaned = clean_text(text, reserved)
    except ValidationFailed as error:
        assert error.code == "broadcast_too_long" and extra > 0
        return
    assert extra <= 0
    assert utf16_len(shown(texts.message("ATS-MILANO", Audience.SENTINEL, cleaned))) <= 4096


# --- the audience -----------------------------------------------------------------------------


def member(referent: int, sentinel: bool) -> Member:
    return Member(referent_id=referent, user_id=1000 + referent, sentinel=sentinel)


def test_everybody_once_however_many_plessi_they_hold() -> None:
    members = [member(2, False), member(1, True), member(2, True), member(1, True)]
    assert recipients(members, Audience.ALL) == [
        Recipient(referent_id=1, user_id=1001),
        Recipient(referent_id=2, user_id=1002),
    ]


def test_sentinel_only_keeps_the_referents_of_a_sentinel_plesso() -> None:
    members = [member(1, False), member(2, True), member(3, False), member(3, True)]
    assert [r.referent_id for r in recipients(members, Audience.SENTINEL)] == [2, 3]
    assert recipients([member(1, False)], Audience.SENTINEL) == []


@given(st.lists(st.tuples(st.integers(1, 20), st.booleans()), max_size=60))
def test_recipients_are_unique_and_of_the_audience(pairs: list[tuple[int, bool]]) -> None:
    members = [member(referent, sentinel) for referent, sentinel in pairs]
    everyone = recipients(members, Audience.ALL)
    sentinel = recipients(members, Audience.SENTINEL)
    assert len({r.user_id for r in everyone}) == len(everyone) == len({p[0] for p in pairs})
    assert {r.referent_id for r in sentinel} == {p[0] for p in pairs if p[1]}
    assert set(sentinel) <= set(everyone)


# --- the count --------------------------------------------------------------------------------


def test_the_count_sorts_each_send_and_notes_the_uncertain_ones() -> None:
    count = count_outcomes(
        [
            (RecipientState.SENT, None, 7),
            (RecipientState.BLOCKED, "blocked", 2),
            (RecipientState.FAILED, "TimedOut", 1),
            (RecipientState.FAILED, UNCERTAIN, 1),
            (RecipientState.PENDING, None, 3),
            (RecipientState.CLAIMED, None, 1),
        ]
    )
    assert count == DeliveryCount(pending=4, sent=7, blocked=2, failed=2, uncertain=1)
    assert (count.total, count.ended, count.done) == (15, 11, False)
    assert count_outcomes([(RecipientState.SENT, None, 2)]).done


def test_a_send_that_did_not_reach_telegram_is_tried_again_with_a_back_off() -> None:
    now = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
    assert next_attempt(1, now) == now + timedelta(minutes=1)
    assert next_attempt(3, now) == now + timedelta(minutes=4)
    assert next_attempt(50, now) == now + timedelta(minutes=15)
    assert after_release(1) is RecipientState.PENDING
    assert after_release(MAX_ATTEMPTS) is RecipientState.FAILED


def test_the_final_count_in_words() -> None:
    broadcast = Broadcast(
        id=1,
        ats_code="ATS-MILANO",
        audience=Audience.SENTINEL,
        text=None,
        created_by=100,
        created_at=datetime(2026, 11, 17, 9, 30, tzinfo=UTC),
        completed_at=None,
        summary=SummaryState.CLAIMED,
    )
    count = DeliveryCount(sent=5, blocked=1, failed=2, uncertain=1)
    text = shown(summary_text(broadcast, count, ROME))
    assert "Avviso del 17/11/2026 10:30 consegnato" in text
    assert "i referenti dei plessi sentinella, ATS-MILANO" in text
    assert "inviati: 5" in text and ": 1\n" in text and "non riusciti: 2" in text
    assert "Di cui 1 con esito incerto" in text
    clean = shown(summary_text(broadcast, DeliveryCount(sent=5), ROME))
    assert "esito incerto" not in clean
