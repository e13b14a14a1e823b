"""The vaccination-duty check's pure rules (issue 18): the legal calendar moved off Sundays
and holidays, the list checks, the answer file, where a school stands."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from codicefiscale import codicefiscale as cf_lib
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import italian_holidays
from domain.errors import ValidationFailed
from domain.vaccines import (
    Campaign,
    Document,
    ListInfo,
    ListKind,
    Outcome,
    Service,
    Stage,
    StoredPupil,
    VaccineCalendar,
    age_on,
    deadlines,
    follow_up_counts,
    invite_due,
    read_answer,
    read_pupil_list,
    working_day,
)

HOLIDAYS = italian_holidays()
HEADER = "Codice fiscale;Cognome;Nome;Data di nascita;Classe;Servizio;MSNA"


def cf(born: date, letters: str = "RSSLCU") -> str:
    body = f"{letters}{born.year % 100:02d}{'ABCDEHLMPRST'[born.month - 1]}{born.day:02d}F205"
    return body + cf_lib.encode_cin(body)


def csv_of(*rows: str) -> bytes:
    return "\n".join([HEADER, *rows]).encode()


def test_the_legal_defaults_and_a_sunday_or_holiday_moves_to_the_next_working_day() -> None:
    due = deadlines(VaccineCalendar(), 2027, HOLIDAYS)
    assert due.list_due == date(2027, 3, 10)  # a Wednesday
    assert due.answer_due == date(2027, 6, 10)
    assert due.documents_due == date(2027, 7, 10)  # a Saturday: a working day in Italy
    assert due.outcome_due == date(2027, 7, 20)
    assert deadlines(VaccineCalendar(), 2024, HOLIDAYS).list_due == date(2024, 3, 11)  # Sunday
    assert working_day(date(2027, 6, 2), HOLIDAYS) == date(2027, 6, 3)  # Festa della Repubblica
    assert working_day(date(2026, 12, 25), HOLIDAYS) == date(2026, 12, 28)  # 25, 26, 27 Sunday
    moved = deadlines(VaccineCalendar(list_due="04-25"), 2027, HOLIDAYS)
    assert moved.list_due == date(2027, 4, 26)  # Liberazione, a Sunday too
    assert invite_due(VaccineCalendar(), date(2027, 6, 3), HOLIDAYS) == date(2027, 6, 14)


def test_each_row_is_checked_on_its_own() -> None:
    good = cf(date(2016, 3, 2))
    checked = read_pupil_list(
        "elenco.csv",
        csv_of(
            f"{good};Rossi;Luca;02/03/2016;5A;Primaria;",
            f"{cf(date(2015, 1, 1), 'BNCMRA')};Bianchi;Mara;01/01/2015;5B;elementare;sì",
            f"{good};Rossi;Luca;02/03/2016;5A;primaria;",  # twice
            f"{good[:-1]}X;Neri;Ugo;02/03/2016;5A;primaria;",  # check character
            f"{cf(date(2010, 8, 31), 'VRDPLA')};Verdi;Paolo;31/08/2010;3C;secondaria;",  # 17
            f"{cf(date(2011, 9, 1), 'VRDGNN')};Verdi;Gianna;01/09/2011;3C;secondaria;",  # 16
            f"{cf(date(2014, 1, 1), 'GLLUGO')};Gialli;Ugo;02/01/2014;1A;secondaria;",
            f"{cf(date(2014, 1, 1), 'BLUUGO')};Blu;Ugo;01/01/2014;1A;università;",
            ";;;;;;",
            f"{cf(date(2014, 1, 1), 'NRAUGO')};;Ugo;01/01/2014;1A;secondaria;",
        ),
        2027,
    )
    assert [p.line for p in checked.pupils] == [2, 3, 7]
    assert checked.pupils[1].service is Service.PRIMARIA and checked.pupils[1].unaccompanied
    assert checked.pupils[0].surname == "ROSSI"
    assert [(e.line, e.code) for e in checked.errors] == [
        (4, "vx_duplicate"),
        (5, "vx_cf_invalid"),
        (6, "vx_age"),
        (8, "vx_cf_birth_date"),
        (9, "vx_service"),
        (11, "vx_missing_surname"),
    ]
    assert checked.per_service() == {Service.PRIMARIA: 2, Service.SECONDARIA: 1}


def test_a_pupil_already_sent_is_a_duplicate_and_a_file_without_header_is_refused() -> None:
    good = cf(date(2016, 3, 2))
    checked = read_pupil_list(
        "x.csv", csv_of(f"{good};Rossi;Luca;02/03/2016;5A;primaria;"), 2027, [good]
    )
    assert [e.code for e in checked.errors] == ["vx_duplicate"]
    with pytest.raises(ValidationFailed) as refused:
        read_pupil_list("x.csv", b"a;b;c\n1;2;3\n", 2027)
    assert refused.value.code == "vx_no_header"
    with pytest.raises(ValidationFailed):
        read_pupil_list("x.pdf", b"%PDF", 2027)


def test_age_is_counted_on_the_first_of_september() -> None:
    assert age_on(date(2011, 9, 1), date(2027, 9, 1)) == 16
    assert age_on(date(2011, 9, 2), date(2027, 9, 1)) == 15
    assert age_on(date(2027, 8, 31), date(2027, 9, 1)) == 0


def test_the_answer_refuses_a_codice_fiscale_not_on_the_list_with_its_line() -> None:
    a, b = cf(date(2016, 3, 2)), cf(date(2015, 1, 1), "BNCMRA")
    answer = read_answer(
        "esito.csv",
        "\n".join(
            [
                "CF;Esito",
                f"{a};In regola",
                f"{b.lower()};NON IN REGOLA",
                f"{cf(date(2015, 2, 2), 'XXXYYY')};non in regola",
                f"{a};non trovato",
                f"{b};forse",
            ]
        ).encode(),
        {a, b},
    )
    assert [(r.line, r.outcome) for r in answer.rows] == [
        (2, Outcome.IN_ORDER),
        (3, Outcome.NOT_IN_ORDER),
    ]
    assert [(e.line, e.code) for e in answer.errors] == [
        (4, "vx_foreign_cf"),
        (5, "vx_duplicate"),
        (6, "vx_outcome"),
    ]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.text(max_size=20), min_size=0, max_size=8), max_size=8))
def test_any_row_text_is_a_pupil_or_a_row_error_never_a_crash(rows: list[list[str]]) -> None:
    body = "\n".join(";".join(cell.replace("\n", " ") for cell in row) for row in rows)
    try:
        checked = read_pupil_list("x.csv", csv_of(body).replace(b"\r", b""), 2027)
    except ValidationFailed:
        return
    assert all(error.code.startswith(("vx_", "import_")) for error in checked.errors)


def _pupil(pupil_id: int, **values: object) -> StoredPupil:
    base: dict[str, object] = {
        "id": pupil_id,
        "list_id": 1,
        "line": pupil_id + 1,
        "codice_fiscale": f"CF{pupil_id}",
        "surname": "X",
        "name": "Y",
        "birth_date": date(2016, 1, 1),
        "service": Service.INFANZIA,
    }
    return StoredPupil.model_validate(base | values)


def test_stages_and_follow_up_counts() -> None:
    now = datetime(2027, 3, 1, tzinfo=UTC)
    draft = ListInfo(id=1, kind=ListKind.FIRST, pupils=3, rows_refused=0, created_at=now)
    sent = draft.model_copy(update={"sent_at": now, "receipt": "R"})
    assert Campaign(plesso_code="P", year=2027).stage is Stage.NO_LIST
    assert Campaign(plesso_code="P", year=2027, lists=(draft,)).stage is Stage.DRAFT
    campaign = Campaign(plesso_code="P", year=2027, lists=(sent,))
    assert campaign.stage is Stage.SENT
    later = now + timedelta(days=90)
    assert campaign.model_copy(update={"published_at": later}).stage is Stage.PUBLISHED
    pupils = [
        _pupil(1, outcome=Outcome.NOT_IN_ORDER, invited_on=date(2027, 6, 5)),
        _pupil(2, outcome=Outcome.NOT_IN_ORDER, document=Document.EXEMPTION),
        _pupil(3, outcome=Outcome.NOT_IN_ORDER, document=Document.NONE),
        _pupil(4, outcome=Outcome.IN_ORDER),
    ]
    counts = follow_up_counts(pupils)
    assert (counts.not_in_order, counts.invited, counts.documents, counts.no_document) == (
        3,
        1,
        1,
        1,
    )
    assert counts.open == 1
