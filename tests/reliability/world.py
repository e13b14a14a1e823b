"""A populated bot for the reliability tests: who is who, what each may see, and helpers to
act on the real application and read what it did.

Everybody is set up through the repositories (fast); everything a test checks goes through
the real application over HTTP against the emulator.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.processor import PerChatUpdateProcessor
from domain.cases import CaseData, complete_case
from domain.closing import new_receipt_code
from domain.comuni import comune_by_code
from domain.contacts import ContactData
from domain.invitations import hash_invitation_code, new_invitation_code
from domain.people import Role as PersonRole
from domain.registry import ReferentProfile
from domain.senthome import HandedTo, SentHomeData, SentHomeRole, Symptom
from domain.vaccines import ListKind, Pupil, Service
from emulator.driver import ChatUser
from emulator.models import BotEvent
from reminders import notices
from storage.db import utc_now_text
from tests.harness import ADMIN_MILANO, ADMIN_VALPADANA, Harness
from tests.unit.test_cases_rules import STUDENT_CF, TEACHER_CF, full_draft

PLESSO_A = "MIEE8AB01T"  # ATS-MILANO, sentinel: the rightful referent's
PLESSO_B = "MIMM8AB01V"  # ATS-MILANO, another plesso
PLESSO_VICTIM = "MIAA8AB01P"  # ATS-MILANO: the referent the rightful admin may revoke
ATS_A = "ATS-MILANO"

REFERENT_A = 300
REVOKED = 301
REFERENT_B = 302
VICTIM = 303
VACCINI_A = 304  # the «vaccini» role of plesso A (issue 18), no COVID referent
STRANGER = 999


@dataclass(frozen=True)
class Person:
    key: str
    user_id: int
    roles: frozenset[str]  # "admin", "referent", "vaccini"
    # The plessi whose data they may see, and the ATS whose admin data they may see.
    plessi: frozenset[str] = frozenset()
    ats: frozenset[str] = frozenset()
    vaccine_plessi: frozenset[str] = frozenset()  # the vaccination check's data only


PEOPLE = (
    Person("stranger", STRANGER, frozenset()),
    Person("revoked", REVOKED, frozenset()),
    Person("referent_b", REFERENT_B, frozenset({"referent"}), plessi=frozenset({PLESSO_B})),
    Person(
        "admin_other_ats", ADMIN_VALPADANA, frozenset({"admin"}), ats=frozenset({"ATS-VALPADANA"})
    ),
    Person("referent_a", REFERENT_A, frozenset({"referent"}), plessi=frozenset({PLESSO_A})),
    Person("admin_a", ADMIN_MILANO, frozenset({"admin"}), ats=frozenset({ATS_A})),
    Person("vaccini_a", VACCINI_A, frozenset({"vaccini"}), vaccine_plessi=frozenset({PLESSO_A})),
)


@dataclass
class World:
    harness: Harness
    case_a: int  # open case of plesso A
    case_closed: int  # closed case of plesso A
    case_b: int  # open case of plesso B
    closure_a: int  # a closure of ATS-MILANO
    contact_a: int  # a contact of case_a
    contact_b: int  # a contact of case_b
    contact_closed: int  # a contact of the closed case
    victim_referent: int  # referent id of VICTIM
    referent_a: int  # referent id of REFERENT_A
    # Strings each kind of data shows itself by, and who may see them.
    secrets: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def person(self, key: str) -> Person:
        return next(p for p in PEOPLE if p.key == key)

    def chat(self, key: str = "referent_a") -> ChatUser:
        """The person, as a chat to type and tap in."""
        return self.harness.user(self.person(key).user_id, key.capitalize())

    @property
    def database(self) -> Path:
        return self.harness.settings.database_path

    def forbidden_for(self, person: Person) -> dict[str, str]:
        """secret string -> whose it is, for every secret `person` must never be shown."""
        allowed = {
            "case_a": PLESSO_A in person.plessi or ATS_A in person.ats,
            "case_b": PLESSO_B in person.plessi or ATS_A in person.ats,
            "contact_a": PLESSO_A in person.plessi or ATS_A in person.ats,
            "contact_b": PLESSO_B in person.plessi or ATS_A in person.ats,
            "referent_a": person.user_id == REFERENT_A or ATS_A in person.ats,
            "referent_b": person.user_id == REFERENT_B or ATS_A in person.ats,
            "plesso_a": PLESSO_A in person.plessi | person.vaccine_plessi or ATS_A in person.ats,
            "vaccines_a": PLESSO_A in person.vaccine_plessi or ATS_A in person.ats,
            "closure_a": ATS_A in person.ats,
            "valpadana": "ATS-VALPADANA" in person.ats,
        }
        return {
            secret: owner
            for owner, strings in self.secrets.items()
            if not allowed[owner]
            for secret in strings
        }


CASE_A = {"surname": "ZANZOTTO", "name": "ERMENEGILDA", "codice_fiscale": STUDENT_CF}
CASE_B = {"surname": "QUAGLIOTTI", "name": "GIULIA", "codice_fiscale": TEACHER_CF}
PROFILE_A = ReferentProfile(
    full_name="ORSOLA PELLEGRINI", phone="+393335550101", email="orsola.p@scuola-a.example.it"
)
PROFILE_B = ReferentProfile(
    full_name="TEODORO BRAMBILLA", phone="+393335550202", email="teo.b@scuola-b.example.it"
)
PROFILE_VACCINI = ReferentProfile(
    full_name="VALERIO VACCARI", phone="+393335550505", email="vaccari@scuola-a.example.it"
)
VACCINE_PUPIL = Pupil(
    line=2,
    codice_fiscale="SPRNTN15C02F205Y",
    surname="SPERANZOSI",
    name="ANTONINO",
    birth_date=date(2015, 3, 2),
    class_name="5A",
    service=Service.PRIMARIA,
)
CLOSURE_NOTE = "Festa riservata Ambrogio"
CONTACT_A = {
    "surname": "PAPAGNI",
    "name": "IRENE",
    "codice_fiscale": "PPGRNI15D52F205T",
    "birth_date": date(2015, 4, 12),
}
CONTACT_B = {
    "surname": "SCROCCHI",
    "name": "ELIO",
    "codice_fiscale": "SCRLEI14P03F205J",
    "birth_date": date(2014, 9, 3),
}
CONTACT_CLOSED = {
    "surname": "CHIUSANI",
    "name": "OLGA",
    "codice_fiscale": "CHSLGO15A61F205V",
    "birth_date": date(2015, 1, 21),
}


def _contact(values: dict[str, object], last_contact: date) -> ContactData:
    return ContactData.model_validate(
        {
            "role": PersonRole.STUDENT,
            "class_name": "3",
            "section": "B",
            "comune": comune_by_code("F205"),
            "phone": "+393331112222",
            "last_contact": last_contact,
            **values,
        }
    )


def _case(plesso: str, today: date, **values: object) -> CaseData:
    role = (
        {"role": PersonRole.TEACHER, "birth_date": date(1980, 5, 10)}
        if (values.get("codice_fiscale") == TEACHER_CF)
        else {}
    )
    return complete_case(full_draft(plesso_code=plesso, **role, **values), today)


async def _referent(
    harness: Harness,
    user_id: int,
    plesso: str,
    profile: ReferentProfile | None,
    role: str = "referent",
) -> int:
    svc = harness.svc
    now = svc.now()
    code = new_invitation_code()
    await svc.invitations.create(
        code_hash=hash_invitation_code(code),
        plesso_code=plesso,
        created_by=ADMIN_MILANO,
        now=now,
        expires_at=now + timedelta(days=7),
        role=role,
    )
    joined = await svc.referents.join(
        telegram_user_id=user_id,
        profile=profile,
        invitation_hash=hash_invitation_code(code),
        now=now,
    )
    assert joined is not None
    return joined[0].id


async def build_world(harness: Harness) -> World:
    svc = harness.svc
    now, today = svc.now(), svc.local_now().date()
    for person in (*PEOPLE, Person("victim", VICTIM, frozenset())):
        harness.emulator.open_chat(person.user_id, person.key.capitalize())
    referent_a = await _referent(harness, REFERENT_A, PLESSO_A, PROFILE_A)
    await _referent(harness, REFERENT_B, PLESSO_B, PROFILE_B)
    revoked = await _referent(
        harness,
        REVOKED,
        PLESSO_A,
        ReferentProfile(
            full_name="RENATO REVOCATI", phone="+393335550303", email="renato@ex.example.it"
        ),
    )
    await svc.referents.revoke(
        referent_id=revoked, plesso_code=PLESSO_A, actor=ADMIN_MILANO, now=now
    )
    # Its notice goes now, as after /revoca: else the minute's delivery job sends it in the
    # middle of a test that checks no table changed (the matrix's first round lasts > 1 min).
    assert harness.application is not None
    assert await notices.deliver(harness.application) == 1
    victim = await _referent(
        harness,
        VICTIM,
        PLESSO_VICTIM,
        ReferentProfile(
            full_name="VITTORIA VITTIMA", phone="+393335550404", email="vit@ex.example.it"
        ),
    )
    await _referent(harness, VACCINI_A, PLESSO_A, PROFILE_VACCINI, role="vaccini")
    # A draft list of plesso A (list id 1, as the matrix's buttons carry), one pupil.
    await svc.vaccines.save_draft(
        PLESSO_A, today.year, ListKind.FIRST, [VACCINE_PUPIL], 0, actor=VACCINI_A, now=now
    )
    case_a = await svc.cases.create(_case(PLESSO_A, today, **CASE_A), actor=REFERENT_A, now=now)
    closed = await svc.cases.create(
        _case(PLESSO_A, today, surname="CHIUSETTI", name="CARLA", codice_fiscale=STUDENT_CF),
        actor=REFERENT_A,
        now=now,
    )
    case_b = await svc.cases.create(_case(PLESSO_B, today, **CASE_B), actor=REFERENT_B, now=now)
    last = today - timedelta(days=1)
    contacts = [
        await svc.contacts.add(case, _contact(values, last), actor=REFERENT_A, now=now)
        for case, values in (
            (case_a.id, CONTACT_A),
            (closed.id, CONTACT_CLOSED),
            (case_b.id, CONTACT_B),
        )
    ]
    contact_ids = []
    for change in contacts:
        assert change.contact is not None, change
        contact_ids.append(change.contact.id)
    close_case(harness.settings.database_path, closed.id)
    # Sent-home reports (issue 17) of the same people as the cases: the same secrets.
    for plesso_code, someone, reporter in (
        (PLESSO_A, CASE_A, REFERENT_A),
        (PLESSO_B, CASE_B, REFERENT_B),
    ):
        await svc.sent_home.create(
            _sent_home(plesso_code, today, someone), new_receipt_code(), actor=reporter, now=now
        )
    closure = await svc.closures.add(
        ats_code=ATS_A,
        plesso_code=None,
        start=today + timedelta(days=20),
        end=today + timedelta(days=22),
        note=CLOSURE_NOTE,
        actor=ADMIN_MILANO,
        now=now,
    )
    # The ids the matrix puts in buttons are plesso A's: none may also be plesso B's.
    ids_of_a = {case_a.id, closed.id, closure.id, contact_ids[0], contact_ids[1], victim, 1}
    assert ids_of_a.isdisjoint({case_b.id, contact_ids[2]})
    # The revoked referent's notice: delivered now, so no delivery the start-up job began
    # meanwhile is still under way when a test takes its snapshot of the tables.
    assert harness.application is not None
    await notices.deliver(harness.application)
    plesso_a = await svc.plessi.get(PLESSO_A)
    assert plesso_a is not None
    valpadana = [p.name for p in await svc.plessi.many(["CREE81001A", "CRPS02000B"])]
    return World(
        harness=harness,
        case_a=case_a.id,
        case_closed=closed.id,
        case_b=case_b.id,
        closure_a=closure.id,
        contact_a=contact_ids[0],
        contact_b=contact_ids[2],
        contact_closed=contact_ids[1],
        victim_referent=victim,
        referent_a=referent_a,
        secrets={
            "case_a": tuple(CASE_A.values()),
            "case_b": tuple(CASE_B.values()),
            "contact_a": (str(CONTACT_A["surname"]), str(CONTACT_A["codice_fiscale"])),
            "contact_b": (str(CONTACT_B["surname"]), str(CONTACT_B["codice_fiscale"])),
            "referent_a": (PROFILE_A.full_name, PROFILE_A.email, "555 0101", "5550101"),
            "referent_b": (PROFILE_B.full_name, PROFILE_B.email, "555 0202", "5550202"),
            "plesso_a": (plesso_a.name,),
            "closure_a": (CLOSURE_NOTE,),
            "vaccines_a": (VACCINE_PUPIL.surname, VACCINE_PUPIL.codice_fiscale),
            "valpadana": tuple(valpadana),
        },
    )


def _sent_home(plesso: str, today: date, person: dict[str, str]) -> SentHomeData:
    comune = comune_by_code("F205")
    assert comune is not None
    return SentHomeData(
        plesso_code=plesso,
        role=SentHomeRole.PUPIL,
        class_name="3",
        section="B",
        comune=comune,
        phone1="+393471234567",
        day=today,
        time="09:00",
        symptoms=(Symptom.FEVER,),
        handed_to=HandedTo.PARENT,
        **person,
    )


def close_case(database: Path, case_id: int) -> None:
    """Close a case as "Chiudi e invia" will (issue 5): the referents can no longer change it."""
    with contextlib.closing(sqlite3.connect(database)) as conn, conn:
        conn.execute(
            "UPDATE cases SET status = 'closed', closed_at = ?, receipt_code = 'R-1' WHERE id = ?",
            (utc_now_text(datetime(2026, 11, 17, 8, 0, tzinfo=UTC)), case_id),
        )


# --- acting and watching ---------------------------------------------------------------------


def processor_of(harness: Harness) -> PerChatUpdateProcessor:
    assert harness.application is not None
    processor = harness.application.update_processor
    assert isinstance(processor, PerChatUpdateProcessor)
    return processor


async def settle(harness: Harness, updates: int, start: int, timeout: float = 15.0) -> None:  # noqa: ASYNC109
    """Wait until the bot has handled `updates` more updates than `start` (its count then)."""
    processor = processor_of(harness)
    async with asyncio.timeout(timeout):
        while processor.processed < start + updates:  # noqa: ASYNC110 - a counter, no event
            await asyncio.sleep(0.003)


async def idle(harness: Harness, timeout: float = 15.0) -> int:  # noqa: ASYNC109
    """Wait until the bot handles nothing and has nothing queued; its count of updates then."""
    processor = processor_of(harness)
    assert harness.application is not None
    queue = harness.application.update_queue
    async with asyncio.timeout(timeout):
        while processor.current_concurrent_updates or not queue.empty():  # noqa: ASYNC110
            await asyncio.sleep(0.003)
    return processor.processed


def bot_events(harness: Harness, user_id: int, after_seq: int) -> list[BotEvent]:
    return harness.emulator.events(user_id, after_seq)


def visible_text(events: list[BotEvent]) -> str:
    """Everything the person was shown: messages, edits, button answers."""
    return "\n".join(e.text for e in events if e.kind in ("sent", "edited", "answer"))


def leaks(text: str, forbidden: dict[str, str]) -> list[str]:
    folded = text.casefold()
    return [
        f"{owner}:{secret}" for secret, owner in forbidden.items() if secret.casefold() in folded
    ]


# Rows anybody's message may change without any right: their own step in a flow, a wrong
# invitation code, the ids of the updates handled.
BOOKKEEPING = frozenset({"conversations", "invitation_failures", "processed_updates"})


Rows = dict[str, list[tuple[object, ...]]]


def table_rows(database: Path, skip: frozenset[str] = frozenset()) -> Rows:
    """Every row of every table (but `skip`), in a stable order."""
    with contextlib.closing(sqlite3.connect(database)) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {
            table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
            for table in tables
            if table not in skip
        }


# --- the log ---------------------------------------------------------------------------------


class ErrorLog(logging.Handler):
    """The records of WARNING and above, from every logger, while installed."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    @property
    def unhandled(self) -> list[str]:
        return [r.getMessage() for r in self.records if r.levelno >= logging.ERROR]

    def clear(self) -> None:
        self.records.clear()

    @classmethod
    @contextlib.contextmanager
    def capture(cls) -> Iterator[ErrorLog]:
        handler = cls()
        root = logging.getLogger()
        root.addHandler(handler)
        try:
            yield handler
        finally:
            root.removeHandler(handler)
