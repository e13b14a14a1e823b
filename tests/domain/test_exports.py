"""/esporta's pure part: periods, typed dates, the tables, and the XLSX and CSV files."""

from __future__ import annotations

import csv
import io
import time
import zipfile
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl  # type: ignore[import-untyped]
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.catalog import export as texts
from bot.catalog.validation import ROLE_LABELS, SCHOOL_TYPE_LABELS
from domain.dates import parse_date
from domain.exports import (
    AbsenceRecord,
    CaseRecord,
    ContactRecord,
    ExportFormat,
    ExportKind,
    Period,
    PeriodChoice,
    PlessoRecord,
    ReferentRecord,
    absence_rates,
    check_end,
    check_start,
    export_filename,
    overlaps,
    period_for,
    utc_bounds,
    within,
)
from formats.case_export import CASE_HEADERS, CONTACT_HEADERS
from formats.exports import (
    CASE_COLUMNS,
    CONTACT_COLUMNS,
    ExportLabels,
    absences_table,
    cases_table,
    contacts_table,
    csv_text,
    plessi_table,
    referents_table,
    write_csv,
    write_export,
)
from formats.xlsx import Column, Table, column_letter, write_xlsx
from tests.domain.helpers import refused

ROME = ZoneInfo("Europe/Rome")
TUESDAY = date(2026, 11, 17)
LABELS = ExportLabels(
    roles=ROLE_LABELS,
    school_types=SCHOOL_TYPE_LABELS,
    timezone=ROME,
    yes=texts.YES,
    no=texts.NO,
    active=texts.ACTIVE,
    revoked=texts.REVOKED,
)


# --- periods ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "start"),
    [
        (TUESDAY, date(2026, 11, 16)),  # Monday of the week
        (date(2026, 11, 16), date(2026, 11, 16)),  # a Monday is its own week
        (date(2026, 11, 22), date(2026, 11, 16)),  # Sunday
        (date(2027, 1, 1), date(2026, 12, 28)),  # the week straddles the new year
    ],
)
def test_this_week_runs_from_monday_to_today(today: date, start: date) -> None:
    assert period_for(PeriodChoice.WEEK, today) == Period(start, today)


def test_the_last_30_days_include_today() -> None:
    period = period_for(PeriodChoice.LAST_30_DAYS, TUESDAY)
    assert period == Period(date(2026, 10, 19), TUESDAY)
    assert (period.end - period.start).days + 1 == 30
    assert period_for(PeriodChoice.LAST_30_DAYS, date(2027, 1, 10)).start == date(2026, 12, 12)


@pytest.mark.parametrize(
    ("today", "start"),
    [
        (TUESDAY, date(2026, 9, 1)),
        (date(2027, 1, 5), date(2026, 9, 1)),  # after new year: still the year begun in 2026
        (date(2027, 8, 31), date(2026, 9, 1)),  # the last day of the school year
        (date(2027, 9, 1), date(2027, 9, 1)),  # the first day of the next one
        (date(2026, 9, 1), date(2026, 9, 1)),
    ],
)
def test_this_school_year_starts_on_the_first_of_september(today: date, start: date) -> None:
    assert period_for(PeriodChoice.SCHOOL_YEAR, today) == Period(start, today)


def test_typed_dates_have_no_rule_of_their_own() -> None:
    with pytest.raises(ValueError):
        period_for(PeriodChoice.TYPED, TUESDAY)


def test_a_typed_first_day_after_today_is_refused() -> None:
    assert check_start(TUESDAY, TUESDAY) == TUESDAY
    assert check_start(date(2020, 1, 1), TUESDAY) == date(2020, 1, 1)
    error = refused("export_start_in_future", check_start, date(2026, 11, 18), TUESDAY)
    assert error.params == {"date": "18/11/2026", "today": "17/11/2026"}


def test_a_typed_last_day_before_the_first_is_refused() -> None:
    assert check_end(TUESDAY, TUESDAY) == Period(TUESDAY, TUESDAY)
    # A last day after today is taken: the export ends with today's data.
    assert check_end(TUESDAY, date(2026, 12, 31)) == Period(TUESDAY, date(2026, 12, 31))
    error = refused("export_end_before_start", check_end, TUESDAY, date(2026, 11, 16))
    assert error.params == {"start": "17/11/2026", "end": "16/11/2026"}


@pytest.mark.parametrize("typed", ["31/02/2026", "domani", "17-11-20266", "", "1/1/1/1"])
def test_typed_dates_that_are_not_dates_are_refused(typed: str) -> None:
    refused("date_invalid", parse_date, typed, TUESDAY)


def test_a_period_in_utc_runs_from_local_midnight_to_the_midnight_after() -> None:
    start, end = utc_bounds(Period(date(2026, 11, 16), TUESDAY), ROME)
    assert start == datetime(2026, 11, 15, 23, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 17, 23, 0, tzinfo=UTC)
    # Across the end of summer time the last night is an hour longer.
    start, end = utc_bounds(Period(date(2026, 10, 24), date(2026, 10, 25)), ROME)
    assert start == datetime(2026, 10, 23, 22, 0, tzinfo=UTC)
    assert end == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)


def test_file_names_say_what_whose_and_when() -> None:
    period = Period(date(2026, 9, 1), TUESDAY)
    assert (
        export_filename(ExportKind.CASES, "ATS-MILANO", period, TUESDAY, "xlsx")
        == "sentinella-casi-ATS-MILANO-20260901-20261117.xlsx"
    )
    assert (
        export_filename(ExportKind.REGISTRY, "regione", None, TUESDAY, "zip")
        == "sentinella-anagrafe-regione-20261117.zip"
    )
    assert export_filename(ExportKind.ABSENCES, "../x y", period, TUESDAY, "csv").startswith(
        "sentinella-assenze-x-y-"
    )


def test_every_export_has_its_own_audit_action() -> None:
    actions = {kind.audit_action for kind in ExportKind}
    assert actions == {
        "export.cases",
        "export.absences",
        "export.registry",
        "export.sent_home",
        "export.isolations",
    }
    assert [kind.has_period for kind in ExportKind] == [True, True, False, True, True]


def test_an_isolation_is_in_the_period_it_touches() -> None:
    week = Period(date(2026, 11, 16), date(2026, 11, 22))
    assert overlaps(week, date(2026, 11, 10), None)  # still open
    assert overlaps(week, date(2026, 11, 1), date(2026, 11, 16))  # closed on the first day
    assert overlaps(week, date(2026, 11, 22), None)  # D0 on the last day
    assert not overlaps(week, date(2026, 11, 1), date(2026, 11, 15))  # closed the day before
    assert not overlaps(week, date(2026, 11, 23), None)  # D0 after the period
    assert overlaps(None, date(2020, 1, 1), date(2020, 1, 2))  # no period: everything
    assert within(week, date(2026, 11, 16)) and within(week, date(2026, 11, 22))
    assert not within(week, date(2026, 11, 15)) and not within(week, date(2026, 11, 23))
    assert within(None, date(2000, 1, 1))


# --- tables -------------------------------------------------------------------------------

CLOSED_AT = datetime(2026, 11, 17, 8, 30, 41, tzinfo=UTC)  # 09:30 in Rome


def a_case(case_id: int = 7, **changes: Any) -> CaseRecord:
    record = CaseRecord(
        id=case_id,
        plesso_code="MIEE8AB01T",
        plesso_name="Primaria Manzoni",
        ats_code="ATS-MILANO",
        school_type="primaria",
        class_name="3",
        section="B",
        referent_name="Maria Rossi",
        referent_phone="+393331112222",
        referent_email="maria@scuola.example.it",
        role="studente",
        surname="BIANCHI",
        name="LUCA",
        codice_fiscale="BNCLCU15C02F205O",
        birth_date=date(2015, 3, 2),
        comune_name="Milano",
        comune_province="MI",
        phone1="+393471234567",
        phone2=None,
        last_attendance=date(2026, 11, 16),
        swab_date=date(2026, 11, 16),
        onset_date=None,
        closed_at=CLOSED_AT,
        receipt_code="ABCD-EFGH",
    )
    return record._replace(**changes)


def a_contact(contact_id: int = 1, case_id: int = 7, **changes: Any) -> ContactRecord:
    record = ContactRecord(
        case_id=case_id,
        receipt_code="ABCD-EFGH",
        id=contact_id,
        role="docente",
        class_name="3",
        section="B",
        surname="ROSSI",
        name="MARIO",
        codice_fiscale="RSSMRA15A01F205J",
        birth_date=date(2015, 1, 1),
        comune_name=None,
        comune_province=None,
        address=None,
        phone=None,
        last_contact=date(2026, 11, 16),
    )
    return record._replace(**changes)


def a_figure(**changes: Any) -> AbsenceRecord:
    record = AbsenceRecord(
        plesso_code="MIEE8AB01T",
        plesso_name="Primaria Manzoni",
        comune_name="Milano",
        ats_code="ATS-MILANO",
        day=TUESDAY,
        enrolled=400,
        classes=18,
        absent=16,
        ill=6,
        recorded_at=CLOSED_AT,
        updated_at=CLOSED_AT,
    )
    return record._replace(**changes)


def test_the_case_and_contact_columns_are_the_hand_overs() -> None:
    assert tuple(c.header for c in CASE_COLUMNS[: len(CASE_HEADERS)]) == CASE_HEADERS
    assert tuple(c.header for c in CONTACT_COLUMNS[2:]) == CONTACT_HEADERS
    assert [c.header for c in CONTACT_COLUMNS[:2]] == ["Id caso", "Codice ricevuta"]


def test_a_case_row_reads_like_the_hand_over() -> None:
    (row,) = list(cases_table([a_case()], LABELS).rows)
    cells = dict(zip([c.header for c in CASE_COLUMNS], row, strict=True))
    assert cells["Plesso"] == "Primaria Manzoni (MIEE8AB01T)"
    assert cells["Tipo scuola"] == "Scuola primaria"
    assert cells["Ruolo"] == "Studente"
    assert cells["Comune di domicilio"] == "Milano (MI)"
    assert cells["Chiuso il"] == datetime(2026, 11, 17, 9, 30)  # local, to the minute
    assert cells["Telefono 2"] is None
    assert cells["ATS"] == "ATS-MILANO"


def test_rates_come_from_the_enrolment_in_force() -> None:
    assert absence_rates(a_figure()) == (0.04, 0.015)
    assert absence_rates(a_figure(ill=None)) == (0.04, None)
    assert absence_rates(a_figure(enrolled=None, classes=None)) == (None, None)


def test_a_plesso_row_and_a_referent_row() -> None:
    plesso = PlessoRecord(
        code="MIEE8AB01T",
        name="Primaria Manzoni",
        comune_name="Milano",
        province="MI",
        address="Via Manzoni 1",
        school_type="primaria",
        sentinel=True,
        ats_code="ATS-MILANO",
        active_referents=2,
        pupils=400,
        classes=18,
        school_year=2026,
    )
    (row,) = list(plessi_table([plesso], LABELS).rows)
    assert row[5:] == ("Scuola primaria", "Sì", "ATS-MILANO", 2, 400, 18, "2026/27")
    referent = ReferentRecord(
        referent_id=3,
        full_name="Maria Rossi",
        phone="+393331112222",
        email="m@x.it",
        plesso_code="MIEE8AB01T",
        plesso_name="Primaria Manzoni",
        ats_code="ATS-MILANO",
        granted_at=CLOSED_AT,
        revoked_at=CLOSED_AT,
        last_used_at=None,
        unreachable_since=None,
    )
    (row,) = list(referents_table([referent], LABELS).rows)
    assert row[7] == "revocato" and row[8] == datetime(2026, 11, 17, 9, 30)


# --- XLSX ---------------------------------------------------------------------------------


def xlsx(*tables: Table) -> openpyxl.Workbook:
    buffer = io.BytesIO()
    written = write_export(list(tables), ExportFormat.XLSX, buffer)
    assert written.extension == "xlsx"
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))


def values(sheet: object, row: int) -> list[object]:
    return [cell.value for cell in sheet[row]]  # type: ignore[index]


def test_the_workbook_has_a_sheet_per_table_with_headers_frozen_and_widths() -> None:
    contacts = [
        a_contact(1),
        a_contact(2, address="Via Roma 1", comune_name="Lodi", comune_province="LO"),
    ]
    workbook = xlsx(cases_table([a_case()], LABELS), contacts_table(contacts, LABELS))
    assert workbook.sheetnames == ["Casi", "Contatti"]
    cases, contacts_sheet = workbook["Casi"], workbook["Contatti"]
    assert values(cases, 1) == [*CASE_HEADERS, "ATS"]
    assert cases["A1"].font.b and not cases["A2"].font.b
    assert cases.freeze_panes == "A2" and contacts_sheet.freeze_panes == "A2"
    assert cases.column_dimensions["B"].width == 36  # Plesso
    assert contacts_sheet.column_dimensions["A"].width == 9  # Id caso
    assert all(cases.column_dimensions[column_letter(i)].width for i in range(1, 23))
    row = dict(zip(values(cases, 1), values(cases, 2), strict=True))
    assert row["Id caso"] == 7
    assert row["Data di nascita"] == datetime(2015, 3, 2)  # a real date, not text
    assert cases["M2"].is_date and cases["M2"].number_format == "dd/mm/yyyy"
    assert row["Chiuso il"] == datetime(2026, 11, 17, 9, 30)
    assert cases["T2"].number_format == "dd/mm/yyyy hh:mm"
    assert row["Telefono 1"] == "+393471234567"  # text, as typed: never a formula
    assert row["Data inizio sintomi"] is None
    assert contacts_sheet.max_row == 3
    second = dict(zip(values(contacts_sheet, 1), values(contacts_sheet, 3), strict=True))
    assert second["Comune di domicilio"] == "Lodi (LO)" and second["Indirizzo"] == "Via Roma 1"
    assert second["Ruolo"] == "Docente" and second["Id caso"] == 7


def test_rates_are_percentages_and_empty_cells_stay_empty() -> None:
    figures = [a_figure(), a_figure(day=date(2026, 11, 19), ill=None, enrolled=None)]
    sheet = xlsx(absences_table(figures, LABELS))["Assenze"]
    headers = values(sheet, 1)
    first = dict(zip(headers, values(sheet, 2), strict=True))
    assert first["Tasso di assenza"] == pytest.approx(0.04)
    assert first["Tasso di assenza per malattia"] == pytest.approx(0.015)
    assert sheet["J2"].number_format == "0.0%"
    assert first["Giorno di rilevazione"] == datetime(2026, 11, 17)
    second = dict(zip(headers, values(sheet, 3), strict=True))
    assert second["Iscritti"] is None and second["Tasso di assenza"] is None
    assert second["Assenti"] == 16


def test_a_large_export_is_quick() -> None:
    """2,000 cases and 40,000 contacts (a fifth of the 10,000/200,000 budgeted at 15 s)."""
    cases = (a_case(number) for number in range(2_000))
    contacts = (a_contact(number, number // 20) for number in range(40_000))
    started = time.perf_counter()
    buffer = io.BytesIO()
    counts = write_xlsx([cases_table(cases, LABELS), contacts_table(contacts, LABELS)], buffer)
    elapsed = time.perf_counter() - started
    assert counts == (2_000, 40_000)
    assert elapsed < 3.0, elapsed
    assert len(buffer.getvalue()) < 5_000_000


# --- CSV ----------------------------------------------------------------------------------


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # the byte-order mark: Excel reads UTF-8
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_csv_is_utf8_with_bom_semicolons_and_italian_dates() -> None:
    buffer = io.BytesIO()
    written = write_export(
        [absences_table([a_figure(plesso_name='Scuola "Manzoni"; plesso A')], LABELS)],
        ExportFormat.CSV,
        buffer,
    )
    assert written.extension == "csv" and written.rows == (1,)
    assert b"\r\n" in buffer.getvalue()
    header, row = csv_rows(buffer.getvalue())
    assert header[:5] == [
        "Codice meccanografico",
        "Plesso",
        "Comune",
        "ATS",
        "Giorno di rilevazione",
    ]
    cells = dict(zip(header, row, strict=True))
    assert cells["Plesso"] == 'Scuola "Manzoni"; plesso A'
    assert cells["Giorno di rilevazione"] == "17/11/2026"
    assert cells["Tasso di assenza"] == "4,0%" and cells["Tasso di assenza per malattia"] == "1,5%"
    assert cells["Registrato il"] == "17/11/2026 09:30"


def test_two_tables_as_csv_are_one_zip_of_two_files() -> None:
    buffer = io.BytesIO()
    written = write_export(
        [cases_table([a_case()], LABELS), contacts_table([a_contact()], LABELS)],
        ExportFormat.CSV,
        buffer,
    )
    assert written.extension == "zip" and written.rows == (1, 1)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        assert archive.namelist() == ["casi.csv", "contatti.csv"]
        cases = csv_rows(archive.read("casi.csv"))
        contacts = csv_rows(archive.read("contatti.csv"))
    assert cases[0] == [*CASE_HEADERS, "ATS"]
    assert cases[1][0] == "7" and cases[1][12] == "02/03/2015"
    assert contacts[1][:3] == ["7", "ABCD-EFGH", "1"]


def test_csv_phones_stay_text_with_their_plus() -> None:
    # Bare, "+393471234567" opens in Excel or LibreOffice as the number 393471234567.
    buffer = io.BytesIO()
    write_export(
        [contacts_table([a_contact(phone="+393471234567")], LABELS)], ExportFormat.CSV, buffer
    )
    header, row = csv_rows(buffer.getvalue())
    cells = dict(zip(header, row, strict=True))
    phones = [value for name, value in cells.items() if name.startswith("Telefono")]
    assert phones == ['="+393471234567"']
    assert b'"=""+393471234567"""' in buffer.getvalue()  # quoted, its quotes doubled


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+1+1", "'+1+1"),
        ("-2-2", "'-2-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTAB", "'\tTAB"),
        ("+393471234567", '="+393471234567"'),  # a phone: stays text, "+" and all
        ("0212345678", '="0212345678"'),  # a landline: its leading zero kept
        ("12345678901234567", '="12345678901234567"'),  # beyond Excel's 15 digits
        ("+39 347", "'+39 347"),  # not a plain number: defused as a formula would be
        ("42", "42"),
        ("-3,5", "-3,5"),
        ("Rossi", "Rossi"),
        ("a\x00b", "ab"),
    ],
)
def test_csv_text_that_excel_would_run_is_defused(text: str, shown: str) -> None:
    assert csv_text(text) == shown


@settings(max_examples=80, deadline=None)
@given(st.lists(st.text(max_size=30), min_size=1, max_size=6))
def test_any_text_round_trips_through_the_csv(texts_: list[str]) -> None:
    table = Table(
        "T",
        (Column("Testo", 10), Column("Numero", 8)),
        [(text, n) for n, text in enumerate(texts_)],
    )
    buffer = io.BytesIO()
    assert write_csv(table, buffer) == len(texts_)
    header, *rows = csv_rows(buffer.getvalue())
    assert header == ["Testo", "Numero"]
    assert rows == [[csv_text(text), str(n)] for n, text in enumerate(texts_)]
