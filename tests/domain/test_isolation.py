"""The isolation rules (dated parameters), the sign-in tokens and lock-out, the register CSV
and the diary's rules."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.diary import (
    DiaryEntry,
    Mark,
    RedFlag,
    Symptom,
    check_onset,
    check_writable,
    day_grid,
    grid_text,
    last_symptom_day,
    parse_temperature,
    symptoms_for,
)
from domain.errors import ValidationFailed
from domain.isolation import (
    RULES,
    IsolationRules,
    day_number,
    hash_token,
    is_token,
    new_token,
    parse_register_csv,
    quarantine_end,
    rules_on,
    same_codice_fiscale,
    same_phone,
    signin_locked_until,
    swab_eligible_from,
)

D0 = date(2020, 10, 20)
TODAY = date(2020, 10, 25)


def test_day_numbers_count_from_d0() -> None:
    assert day_number(D0, D0) == 0
    assert day_number(D0, TODAY) == 5


def test_asymptomatic_recovery_swab_from_the_tenth_day() -> None:
    # The seed's example: "Isolamento dal 20/10 ... prenotabile dal 30/10".
    assert swab_eligible_from(D0, None, None) == date(2020, 10, 30)


def test_symptomatic_ten_days_from_onset_and_three_without_symptoms() -> None:
    onset = date(2020, 10, 18)
    assert swab_eligible_from(D0, onset, date(2020, 10, 19)) == date(2020, 10, 28)
    # Symptoms until the 27th: three free days (28, 29, 30) first.
    assert swab_eligible_from(D0, onset, date(2020, 10, 27)) == date(2020, 10, 31)


def test_smell_and_taste_alone_do_not_hold_the_isolation() -> None:
    entries = [
        DiaryEntry(day=date(2020, 10, 21), symptoms=(Symptom.COUGH,)),
        DiaryEntry(day=date(2020, 10, 29), symptoms=(Symptom.SMELL_TASTE,)),
    ]
    assert last_symptom_day(entries) == date(2020, 10, 21)
    assert DiaryEntry(day=D0, temperature=37.6).counts_for_recovery


def test_a_later_rule_is_a_new_row_not_a_code_change() -> None:
    later = IsolationRules(
        in_force_from=date(2021, 6, 1),
        source="a later circular",
        isolation_days=7,
        symptom_free_days=3,
        contact_quarantine_days=10,
        contact_quarantine_with_test_days=7,
    )
    rules = (*RULES, later)
    assert rules_on(date(2021, 5, 31), rules).isolation_days == 10
    assert rules_on(date(2021, 6, 1), rules).isolation_days == 7
    assert swab_eligible_from(date(2021, 6, 2), None, None, rules) == date(2021, 6, 9)
    assert quarantine_end(date(2020, 10, 20)) == date(2020, 11, 3)


def test_tokens_are_random_recognisable_and_hashed() -> None:
    tokens = {new_token() for _ in range(50)}
    assert len(tokens) == 50
    assert all(is_token(t) and len(t) <= 64 for t in tokens)
    token = tokens.pop()
    assert not is_token(token.lower()) and not is_token("ABCDEFGHJKMN")
    assert token not in hash_token(token) and len(hash_token(token)) == 64


def test_three_failures_lock_the_sign_in_for_thirty_minutes() -> None:
    now = datetime(2020, 10, 25, 10, 0, tzinfo=UTC)
    two = [now - timedelta(minutes=5), now - timedelta(minutes=1)]
    assert signin_locked_until(two, now) is None
    three = [*two, now]
    assert signin_locked_until(three, now) == now + timedelta(minutes=30)
    assert signin_locked_until(three, now + timedelta(minutes=30)) is None
    spread = [now - timedelta(minutes=50), now - timedelta(minutes=25), now]
    assert signin_locked_until(spread, now) is None


def test_phone_and_codice_fiscale_are_compared_normalised() -> None:
    assert same_phone("393331112222", "+393331112222")
    assert same_phone("+39 333 111 2222", "+393331112222")
    assert not same_phone("393331112223", "+393331112222")
    assert not same_phone("not a phone", "+393331112222")
    assert same_codice_fiscale(" rssmra85d10f205k ", "RSSMRA85D10F205K")


REGISTER_HEADER = "Codice fiscale;Cognome;Nome;Data nascita;Telefono;Data tampone"


def test_the_register_csv_refuses_bad_rows_with_their_line() -> None:
    content = "\n".join(
        [
            REGISTER_HEADER,
            "RSSMRA85D10F205K;Rossi;Mario;10/04/1985;333 111 2222;20/10/2020",
            "RSSMRA85D10F205K;Rossi;Mario;10/04/1985;333 111 2222;20/10/2020",
            "RSSMRA85D10F205K;Rossi;Mario;11/04/1985;123;30/10/2020",
            "",
        ]
    ).encode()
    parsed = parse_register_csv(content, TODAY)
    assert [r.line for r in parsed.rows] == [2]
    assert parsed.rows[0].phone == "+393331112222" and parsed.rows[0].onset is None
    codes = [(e.line, e.code) for e in parsed.errors]
    assert (3, "register_duplicate_cf") in codes
    assert {(4, "cf_birth_date_mismatch"), (4, "phone_invalid"), (4, "date_in_future")} <= set(
        codes
    )


def test_the_register_csv_needs_its_columns() -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_register_csv(b"codice_fiscale;cognome\n", TODAY)
    assert refused.value.code == "csv_header"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_register_text_is_read_or_refused_cleanly(text: str) -> None:
    with contextlib.suppress(ValidationFailed):
        parse_register_csv((REGISTER_HEADER + "\n" + text).encode("utf-8", "replace"), TODAY)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_a_temperature_is_in_range_or_refused(text: str) -> None:
    try:
        value = parse_temperature(text)
    except ValidationFailed as error:
        assert error.code == "temperature_invalid"
    else:
        assert 34.0 <= value <= 42.5


def test_temperatures_as_typed() -> None:
    assert parse_temperature("37,8") == 37.8
    assert parse_temperature(" 38.2 °C") == 38.2
    for wrong in ("45", "33.9", "febbre", "nan", "inf"):
        with pytest.raises(ValidationFailed):
            parse_temperature(wrong)


def test_only_today_and_yesterday_and_onset_within_bounds() -> None:
    check_writable(TODAY, TODAY)
    check_writable(TODAY - timedelta(days=1), TODAY)
    with pytest.raises(ValidationFailed):
        check_writable(TODAY - timedelta(days=2), TODAY)
    check_onset(D0 - timedelta(days=14), D0, TODAY)
    with pytest.raises(ValidationFailed):
        check_onset(D0 - timedelta(days=15), D0, TODAY)
    with pytest.raises(ValidationFailed):
        check_onset(TODAY + timedelta(days=1), D0, TODAY)


def test_children_are_asked_the_whole_list() -> None:
    assert Symptom.HEADACHE in symptoms_for(date(2012, 1, 1), TODAY)
    assert Symptom.HEADACHE not in symptoms_for(date(1980, 1, 1), TODAY)


def test_the_day_grid() -> None:
    entries = [
        DiaryEntry(day=D0 + timedelta(days=1)),
        DiaryEntry(day=D0 + timedelta(days=2), symptoms=(Symptom.COUGH,)),
        DiaryEntry(day=D0 + timedelta(days=3), red_flags=(RedFlag.CHEST_PAIN,), temperature=38.0),
    ]
    grid = day_grid(D0, TODAY, entries)
    assert [m for _, m in grid] == [
        Mark.MISSING,
        Mark.WELL,
        Mark.ILL,
        Mark.ILL,
        Mark.MISSING,
        Mark.MISSING,
    ]
    assert grid_text(grid) == "G0  ⚪🟢🔴🔴⚪⚪"
