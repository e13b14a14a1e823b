"""The vaccination-duty check (D.L. 73/2017 art. 3-bis, legge 119/2017): pure rules.

By 10 March each school sends the ATS its pupils enrolled for the next school year (aged
0–16); by 10 June the ATS marks those not in order; within 10 days the school invites their
families to deposit a document by 10 July; by 20 July the school sends the ATS the outcome.
The dates are settings with those legal defaults; one falling on a Sunday or a holiday moves
to the next working day. A campaign is named by the year of its March list (the school year
starting in September of that year).

The list checks: the codice fiscale (checksum) and its agreement with the birth date, the
age 0–16 on 1 September of the campaign year, no pupil twice (in this list or one already
sent), the service type. Row problems carry codes only, never the pupil's data: the report
goes into a chat message.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from domain.codice_fiscale import parse_codice_fiscale
from domain.contact_import import (
    HEADER_SCAN_ROWS,
    Cell,
    Row,
    cell_text,
    check_size,
    csv_rows,
    header_key,
    xlsx_rows,
)
from domain.dates import parse_date
from domain.errors import ValidationFailed
from domain.schools import RowError
from domain.text import normalize_person_name

MAX_PUPILS = 5000
MAX_AGE = 16
SCHOOL_YEAR_START = (9, 1)  # 1 September: the age is counted on the first day


class Service(StrEnum):
    NIDO = "nido"
    INFANZIA = "infanzia"
    PRIMARIA = "primaria"
    SECONDARIA = "secondaria"

    @property
    def enrolment_lapses(self) -> bool:
        """0–6 services: without a document the enrolment lapses (art. 3-bis c. 5)."""
        return self in (Service.NIDO, Service.INFANZIA)


class Outcome(StrEnum):
    IN_ORDER = "in_regola"
    NOT_IN_ORDER = "non_in_regola"
    NOT_FOUND = "non_trovato"


class Document(StrEnum):
    """What a family deposits, or that nothing was."""

    VACCINATION = "vaccinazione"
    EXEMPTION = "esonero"
    DEFERRAL = "differimento"
    REQUEST = "richiesta"  # a formal request of vaccination to the ATS
    NONE = "nessuno"  # «Nessun documento»: nothing deposited by the deadline


class ListKind(StrEnum):
    FIRST = "elenco"
    LATE = "integrazione"


# --- the calendar -------------------------------------------------------------------------------


class VaccineCalendar(BaseModel):
    """The legal dates as month-day (MM-DD), and the days to invite the families."""

    model_config = ConfigDict(frozen=True)

    list_due: str = "03-10"
    answer_due: str = "06-10"
    invite_days: int = Field(default=10, ge=1, le=60)
    documents_due: str = "07-10"
    outcome_due: str = "07-20"
    retention_date: str = "12-31"  # the school-side data of a campaign are deleted after it


@dataclass(frozen=True)
class Deadlines:
    list_due: date
    answer_due: date
    documents_due: date
    outcome_due: date


def month_day(text: str, year: int) -> date:
    month, day = (int(part) for part in text.split("-"))
    return date(year, month, day)


def working_day(day: date, is_holiday: Callable[[date], bool]) -> date:
    """The day itself, or the next day that is neither a Sunday nor a holiday."""
    while day.weekday() == 6 or is_holiday(day):
        day += timedelta(days=1)
    return day


def deadlines(
    calendar: VaccineCalendar, year: int, is_holiday: Callable[[date], bool]
) -> Deadlines:
    def due(text: str) -> date:
        return working_day(month_day(text, year), is_holiday)

    return Deadlines(
        list_due=due(calendar.list_due),
        answer_due=due(calendar.answer_due),
        documents_due=due(calendar.documents_due),
        outcome_due=due(calendar.outcome_due),
    )


def invite_due(
    calendar: VaccineCalendar, published: date, is_holiday: Callable[[date], bool]
) -> date:
    """The last day to invite the families: `invite_days` after the answer came."""
    return working_day(published + timedelta(days=calendar.invite_days), is_holiday)


def last_expired_year(calendar: VaccineCalendar, today: date) -> int:
    """The latest campaign year whose school-side data are due for deletion on `today`:
    a campaign's data go the day after its retention date (31 December by default)."""
    return today.year if today > month_day(calendar.retention_date, today.year) else today.year - 1


def campaign_year(today: date) -> int:
    """The campaign running on `today`: the year of its March list (January–December)."""
    return today.year


# --- the list -------------------------------------------------------------------------------


class Column(StrEnum):
    CODICE_FISCALE = "codice_fiscale"
    SURNAME = "surname"
    NAME = "name"
    BIRTH_DATE = "birth_date"
    CLASS = "class"
    SERVICE = "service"
    UNACCOMPANIED = "unaccompanied"
    OUTCOME = "outcome"


_ALIASES: dict[Column, tuple[str, ...]] = {
    Column.CODICE_FISCALE: ("codice fiscale", "cf", "cod fisc", "codfisc", "codicefiscale"),
    Column.SURNAME: ("cognome", "cognome alunno"),
    Column.NAME: ("nome", "nome alunno"),
    Column.BIRTH_DATE: ("data di nascita", "data nascita", "nascita", "nato il"),
    Column.CLASS: ("classe", "sezione", "classe sezione"),
    Column.SERVICE: ("servizio", "tipo servizio", "tipo di servizio", "ordine", "grado"),
    Column.UNACCOMPANIED: (
        "minore straniero non accompagnato",
        "msna",
        "non accompagnato",
        "minore non accompagnato",
    ),
    Column.OUTCOME: ("esito", "stato", "stato vaccinale"),
}
_BY_KEY = {header_key(alias): column for column, aliases in _ALIASES.items() for alias in aliases}
TEMPLATE_HEADERS = (
    "Codice fiscale",
    "Cognome",
    "Nome",
    "Data di nascita",
    "Classe",
    "Servizio",
    "Minore straniero non accompagnato",
)
_SERVICES = {header_key(s.value): s for s in Service} | {
    "asilonido": Service.NIDO,
    "scuoladellinfanzia": Service.INFANZIA,
    "materna": Service.INFANZIA,
    "elementare": Service.PRIMARIA,
    "media": Service.SECONDARIA,
    "secondariadiprimogrado": Service.SECONDARIA,
    "secondariadisecondogrado": Service.SECONDARIA,
    "superiore": Service.SECONDARIA,
}
_YES = {"si", "s", "x", "1", "true", "vero", "yes"}
_OUTCOMES = {
    "inregola": Outcome.IN_ORDER,
    "nonregola": Outcome.NOT_IN_ORDER,
    "noninregola": Outcome.NOT_IN_ORDER,
    "nontrovato": Outcome.NOT_FOUND,
}


class Pupil(BaseModel):
    """One pupil of a list: who, where (class, service), and whether an unaccompanied minor."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    line: int
    codice_fiscale: str
    surname: str
    name: str
    birth_date: date
    class_name: str = ""
    service: Service
    unaccompanied: bool = False


class PupilList(BaseModel):
    """The good rows of an upload and the problems of the others (codes, no data)."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    pupils: list[Pupil]
    errors: list[RowError]

    def per_service(self) -> dict[Service, int]:
        return count_per_service(self.pupils)


def count_per_service(pupils: Iterable[Pupil]) -> dict[Service, int]:
    counts = dict.fromkeys(Service, 0)
    for pupil in pupils:
        counts[pupil.service] += 1
    return {service: n for service, n in counts.items() if n}


def _columns(cells: Sequence[Cell]) -> dict[Column, int]:
    found: dict[Column, int] = {}
    for index, cell in enumerate(cells):
        column = _BY_KEY.get(header_key(cell_text(cell)))
        if column is not None:
            found.setdefault(column, index)
    return found


def _find_header(
    rows: Iterable[Row], needed: Collection[Column]
) -> tuple[dict[Column, int], list[Row]]:
    """The header's columns and the rows after it; ValidationFailed when none is found."""
    seen: list[Row] = []
    iterator = iter(rows)
    for row in iterator:
        seen.append(row)
        columns = _columns(row[1])
        if set(needed) <= set(columns):
            return columns, list(iterator)
        if len(seen) >= HEADER_SCAN_ROWS:
            break
    raise ValidationFailed("vx_no_header")


def _rows(file_name: str, content: bytes) -> Iterable[Row]:
    check_size(len(content))
    name = file_name.lower()
    if name.endswith(".xlsx") or (not name.endswith((".csv", ".txt")) and content[:2] == b"PK"):
        return xlsx_rows(content)
    if name.endswith((".csv", ".txt")):
        return csv_rows(content)
    raise ValidationFailed("import_format", name=file_name or "-")


def start_of_school_year(year: int) -> date:
    return date(year, *SCHOOL_YEAR_START)


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def check_pupil(line: int, cells: Mapping[Column, Cell], year: int) -> Pupil:
    """One row as a pupil; ValidationFailed with a code (never the row's values)."""
    start = start_of_school_year(year)

    def text(column: Column) -> str:
        return cell_text(cells.get(column))

    for column, code in (
        (Column.CODICE_FISCALE, "vx_missing_cf"),
        (Column.SURNAME, "vx_missing_surname"),
        (Column.NAME, "vx_missing_name"),
        (Column.BIRTH_DATE, "vx_missing_birth_date"),
        (Column.SERVICE, "vx_missing_service"),
    ):
        if not text(column):
            raise ValidationFailed(code)
    try:
        cf = parse_codice_fiscale(text(Column.CODICE_FISCALE), start)
    except ValidationFailed:
        raise ValidationFailed("vx_cf_invalid") from None
    birth_cell = cells.get(Column.BIRTH_DATE)
    try:
        if isinstance(birth_cell, datetime):
            birth = birth_cell.date()  # an XLSX date cell
        elif isinstance(birth_cell, date):
            birth = birth_cell
        else:
            birth = parse_date(text(Column.BIRTH_DATE), start)
    except ValidationFailed:
        raise ValidationFailed("vx_birth_date_invalid") from None
    if cf.birth_date != birth:
        raise ValidationFailed("vx_cf_birth_date")
    if not 0 <= age_on(birth, start) <= MAX_AGE:
        raise ValidationFailed("vx_age", max_age=MAX_AGE)
    service = _SERVICES.get(header_key(text(Column.SERVICE)))
    if service is None:
        raise ValidationFailed("vx_service")
    try:
        surname = normalize_person_name(text(Column.SURNAME), "cognome")
        name = normalize_person_name(text(Column.NAME), "nome")
    except ValidationFailed:
        raise ValidationFailed("vx_name") from None
    return Pupil(
        line=line,
        codice_fiscale=cf.value,
        surname=surname,
        name=name,
        birth_date=birth,
        class_name=text(Column.CLASS)[:20],
        service=service,
        unaccompanied=header_key(text(Column.UNACCOMPANIED)) in _YES,
    )


def read_pupil_list(
    file_name: str, content: bytes, year: int, already_sent: Collection[str] = ()
) -> PupilList:
    """A school's list (CSV or XLSX, loose headers): each row checked on its own; a codice
    fiscale twice in the file, or already in a list sent, is refused from its second line."""
    columns, rows = _find_header(
        _rows(file_name, content),
        (Column.CODICE_FISCALE, Column.SURNAME, Column.NAME, Column.BIRTH_DATE, Column.SERVICE),
    )
    pupils: list[Pupil] = []
    errors: list[RowError] = []
    seen = set(already_sent)
    for line, cells in rows:
        if not any(cell_text(cell) for cell in cells):
            continue
        if len(pupils) + len(errors) >= MAX_PUPILS:
            raise ValidationFailed("vx_too_many", max_rows=MAX_PUPILS)
        by_column = {c: cells[i] for c, i in columns.items() if i < len(cells)}
        try:
            pupil = check_pupil(line, by_column, year)
            if pupil.codice_fiscale in seen:
                raise ValidationFailed("vx_duplicate")
        except ValidationFailed as error:
            params = {key: str(value) for key, value in error.params.items()}
            errors.append(RowError(line=line, code=error.code, params=params))
            continue
        seen.add(pupil.codice_fiscale)
        pupils.append(pupil)
    if not pupils and not errors:
        raise ValidationFailed("import_empty")
    return PupilList(pupils=pupils, errors=errors)


# --- the ATS's answer -------------------------------------------------------------------------


class AnswerRow(BaseModel):
    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    line: int
    codice_fiscale: str
    outcome: Outcome


class Answer(BaseModel):
    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    rows: list[AnswerRow]
    errors: list[RowError]


def read_answer(file_name: str, content: bytes, listed: Collection[str]) -> Answer:
    """The ATS's results: codice fiscale → outcome. A codice fiscale not on the school's
    lists (`listed`) is refused with its line; so is an unknown outcome or a repeat."""
    columns, rows = _find_header(_rows(file_name, content), (Column.CODICE_FISCALE, Column.OUTCOME))
    good: list[AnswerRow] = []
    errors: list[RowError] = []
    seen: set[str] = set()
    for line, cells in rows:
        if not any(cell_text(cell) for cell in cells):
            continue

        by_column = {c: cell_text(cells[i]) for c, i in columns.items() if i < len(cells)}
        code = "".join(by_column.get(Column.CODICE_FISCALE, "").split()).upper()
        outcome = _OUTCOMES.get(header_key(by_column.get(Column.OUTCOME, "")))
        problem = (
            "vx_foreign_cf"
            if code not in listed
            else "vx_outcome"
            if outcome is None
            else "vx_duplicate"
            if code in seen
            else None
        )
        if problem is not None or outcome is None:
            errors.append(RowError(line=line, code=problem or "vx_outcome", params={}))
            continue
        seen.add(code)
        good.append(AnswerRow(line=line, codice_fiscale=code, outcome=outcome))
    return Answer(rows=good, errors=errors)


# --- where a school stands -------------------------------------------------------------------


class Stage(StrEnum):
    """Where a plesso's campaign stands, in order."""

    NO_LIST = "no_list"
    DRAFT = "draft"
    SENT = "sent"
    PUBLISHED = "published"
    TRANSMITTED = "transmitted"


def next_deadline(stage: Stage, due: Deadlines, today: date) -> tuple[str, date] | None:
    """The deadline the school faces next ("list", "outcome"), or None when done."""
    if stage in (Stage.NO_LIST, Stage.DRAFT):
        return ("list", due.list_due)
    if stage is Stage.PUBLISHED:
        return ("outcome", due.outcome_due)
    return None


SHOWN_NAME = 40  # characters of a school's name in a list message (4,096 by construction)


def short_name(name: str) -> str:
    return name if len(name) <= SHOWN_NAME else name[: SHOWN_NAME - 1] + "…"


def receipt_code(plesso_code: str, list_id: int, sent: date) -> str:
    """The receipt of a sent list: plesso, date and number, to quote to the ATS."""
    return f"VAX-{plesso_code}-{sent:%Y%m%d}-{list_id}"


# --- what storage gives back -------------------------------------------------------------------


class StoredPupil(Pupil):
    """A pupil of a sent (or draft) list, with the ATS's outcome and the school's follow-up."""

    id: int
    list_id: int
    outcome: Outcome | None = None
    invited_on: date | None = None
    document: Document | None = None
    document_on: date | None = None


class ListInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    kind: ListKind
    pupils: int
    rows_refused: int
    created_at: datetime
    sent_at: datetime | None = None
    receipt: str | None = None


class Campaign(BaseModel):
    """One plesso's campaign of a year: its lists and where the answer and outcome stand."""

    model_config = ConfigDict(frozen=True)

    plesso_code: str
    year: int
    lists: tuple[ListInfo, ...] = ()
    published_at: datetime | None = None
    transmitted_at: datetime | None = None

    @property
    def draft(self) -> ListInfo | None:
        return next((item for item in self.lists if item.sent_at is None), None)

    @property
    def first_sent(self) -> ListInfo | None:
        return next(
            (i for i in self.lists if i.kind is ListKind.FIRST and i.sent_at is not None), None
        )

    @property
    def sent_pupils(self) -> int:
        return sum(item.pupils for item in self.lists if item.sent_at is not None)

    @property
    def stage(self) -> Stage:
        if self.transmitted_at is not None:
            return Stage.TRANSMITTED
        if self.published_at is not None:
            return Stage.PUBLISHED
        if self.first_sent is not None:
            return Stage.SENT
        return Stage.DRAFT if self.draft is not None else Stage.NO_LIST


def not_in_order_per_class(pupils: Iterable[StoredPupil]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for pupil in pupils:
        if pupil.outcome is Outcome.NOT_IN_ORDER:
            key = pupil.class_name or "-"
            counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


@dataclass(frozen=True)
class FollowUpCounts:
    not_in_order: int
    invited: int
    documents: int
    no_document: int

    @property
    def open(self) -> int:
        """Not in order and with neither a document nor «Nessun documento» yet."""
        return self.not_in_order - self.documents - self.no_document


def follow_up_counts(pupils: Iterable[StoredPupil]) -> FollowUpCounts:
    due = [p for p in pupils if p.outcome is Outcome.NOT_IN_ORDER]
    return FollowUpCounts(
        not_in_order=len(due),
        invited=sum(1 for p in due if p.invited_on is not None),
        documents=sum(1 for p in due if p.document not in (None, Document.NONE)),
        no_document=sum(1 for p in due if p.document is Document.NONE),
    )


class VaccineNotice(BaseModel):
    """A message owed to a vaccini holder or an admin (an outbox row, domain.outbox)."""

    model_config = ConfigDict(frozen=True)

    id: int
    user_id: int
    kind: str
    """What and which day: "list:2027-03-01", "published:2027-06-05", "missed:2027-03-11"."""
    scope: str
    year: int
    attempts: int

    @property
    def topic(self) -> str:
        return self.kind.split(":", 1)[0]
