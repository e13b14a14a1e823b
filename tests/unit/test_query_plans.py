"""Every query the repositories run is backed by an index (issue 9).

The SQL is captured, not listed. Every repository of `storage/` (a class whose constructor
takes the `Database`) is built, and every public coroutine method of it is called, with
arguments made from its type hints, on a copy of a small generated database (the year-of-
data generator at a tiny scale: every table has realistic rows). While a method runs, the
statements it sends through storage.db's connections are recorded with their parameters. Each
method runs in several profiles: every optional argument (and optional model field) given,
none given, and each one left out alone, since `x IS NULL` branches build different SQL. A
method added tomorrow is called tomorrow; a parameter of a kind never seen needs one sample below.

Each statement is then EXPLAIN QUERY PLANned on the same database. No ANALYZE ever runs, so
the planner uses the same size-blind estimates here as on a region's year of data. A plan
step that SCANs a table (reads all of it, in table or in index order) fails the test,
unless the table is known to stay small or the scan is listed with its reason.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import importlib
import inspect
import pkgutil
import re
import shutil
import sqlite3
import types
import typing
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pydantic
import pytest

import storage
from benchmarks import _year_data
from domain.cases import Case, CaseData
from domain.comuni import Comune
from domain.contacts import Contact, ContactData
from domain.diary import DiaryEntry, RedFlag, Symptom
from domain.isolation import HouseholdMember, RegisterRow
from domain.swabs import ReferralRow, SlotKind, SlotRow
from storage import db as db_module
from storage.cases import CasesRepository
from storage.citizens import CitizensRepository
from storage.contacts import ContactsRepository
from storage.db import Database
from storage.outbox import OutboxRow
from storage.registry import InvitationsRepository
from storage.swabs import SwabsRepository

NOW = _year_data.NOW.astimezone(UTC)
ROME = ZoneInfo("Europe/Rome")
SCALE = 0.002  # 16 plessi, 100 closed cases, 2,000 contacts, two school years of absences

# Tables a full scan of which costs nothing, whatever the region: one row per school or
# person, a handful of rows a year.
SMALL_TABLES = {
    "plessi": "one row per school building: a few thousand in a region",
    "referents": "one row per referent: a few thousand",
    "referent_plessi": "one row per referent and plesso: a few thousand",
    "closures": "a few per ATS and school year",
    "unreachable_referents": "referents who blocked the bot: a handful",
    "reminder_pushes": "at most one an hour per ATS while a window is open",
    "retention_guard": "never more than one row",
    "schema_migrations": "one row per migration",
}
# Scans of big tables that are bounded all the same: (table, index) -> why.
_REGIONAL = (
    "a regional admin's /casi lists every closed case: a walk of a partial index holding the"
    " closed cases only, which stops at the page (LIMIT) for the list, and reads the index"
    " alone for the total"
)
ALLOWED_SCANS: dict[tuple[str, str], str] = {
    ("cases", "cases_closed"): _REGIONAL,
    ("cases", "cases_closed_by_plesso"): _REGIONAL,
    ("citizens", "citizens_by_name"): (
        "the region's register of isolations (a regional admin's list, the diary reminders'"
        " round) answers with every isolation, open or all: the walk of the name index is the"
        " answer, in its order, with no sort"
    ),
    ("conversations", ""): (
        "retention, once a day, looks for the drafts naming a case it deletes: one row per"
        " flow in progress of each user, a few thousand at most"
    ),
}

# Optional arguments of which a call gives exactly one (a booking is a recovery swab of a
# citizen or a diagnostic one of a referral: the table's CHECK): the profiles giving none or
# both are not calls the bot makes, and are skipped. Each method must still run in one profile.
EXACTLY_ONE: dict[str, tuple[str, ...]] = {
    "SwabsRepository.add_booking": ("citizen_id", "referral_id"),
}

# Statements with no plan to check.
_NO_PLAN = re.compile(
    r"^\s*(BEGIN|COMMIT|ROLLBACK|END|SAVEPOINT|RELEASE|PRAGMA|CREATE|DROP|ALTER|VACUUM|ANALYZE"
    r"|ATTACH|DETACH|REINDEX)\b",
    re.IGNORECASE,
)
_SCAN = re.compile(r"^SCAN (?P<name>\S+)(?: USING (?P<covering>COVERING )?INDEX (?P<index>\S+))?")
_TABLE_REF = re.compile(
    r"\b(?:FROM|JOIN|UPDATE|INTO)\s+(?P<table>[A-Za-z_]\w*)(?:\s+(?:AS\s+)?(?P<alias>[A-Za-z_]\w*))?",
    re.IGNORECASE,
)
_KEYWORDS = {
    "where",
    "join",
    "on",
    "left",
    "right",
    "inner",
    "outer",
    "cross",
    "natural",
    "group",
    "order",
    "limit",
    "using",
    "set",
    "union",
    "except",
    "intersect",
    "values",
    "select",
    "returning",
    "default",
    "as",
    "window",
    "having",
    "and",
    "or",
    "not",
    "full",
}


# --- the seeded database and what its rows are --------------------------------------------


@dataclass
class Facts:
    """Ids and codes of the generated rows, for arguments that must point at real ones."""

    ats: str
    plesso: str
    plessi: list[str]
    open_case: Case
    closed_case: int
    receipt: str
    contact: Contact
    referent_id: int
    referent_user: int
    admin: int
    invitation_hash: str
    days: list[date]
    min_ids: dict[str, int]
    isolation: Isolation


@dataclass
class Isolation:
    """The rows of a person in isolation and of the swab booking (the generator makes none),
    added through the repositories: foreign keys and CHECKs need them to be real."""

    citizen: int  # open, signed in, with a diary entry, a red-flag alert, a household member
    citizen_cf: str
    citizen_token: str
    alert: int
    member: int
    point_code: str
    slot: int
    referral: int  # booked: the booking below is its diagnostic swab
    referral_token: str
    free_referral: int  # not booked yet: `add_booking` books it
    booking: int
    booking_code: str
    pass_id: int
    pass_code: str
    staff_hash: str  # a swab-point staff invitation still to be used


async def _seed(path: Path) -> Facts:
    await asyncio.to_thread(_year_data.generate, path, SCALE)
    db = Database(path)
    await db.connect()
    try:
        return await _facts(db)
    finally:
        await db.close()


async def _one(db: Database, sql: str, params: Sequence[object] = ()) -> Any:
    row = await db.fetchone(sql, params)
    assert row is not None, sql
    return row[0]


async def _facts(db: Database) -> Facts:
    plesso = await _one(
        db,
        "SELECT p.code FROM plessi p JOIN referent_plessi rp ON rp.plesso_code = p.code"
        " WHERE p.ats_code = 'ATS-MILANO' AND p.sentinel = 1 AND rp.revoked_at IS NULL",
    )
    referent_id = await _one(
        db,
        "SELECT referent_id FROM referent_plessi WHERE plesso_code = ? AND revoked_at IS NULL",
        (plesso,),
    )
    open_id = await _one(
        db,
        "SELECT c.id FROM cases c WHERE c.status = 'open' ORDER BY"
        " (SELECT COUNT(*) FROM contacts k WHERE k.case_id = c.id) DESC, c.id",
    )
    open_case = await CasesRepository(db).get(open_id)
    contact_id = await _one(db, "SELECT MIN(id) FROM contacts WHERE case_id = ?", (open_id,))
    contact = await ContactsRepository(db).get(contact_id)
    assert open_case is not None and contact is not None
    closed = await db.fetchone("SELECT id, receipt_code FROM cases WHERE status = 'closed'")
    assert closed is not None
    # One invitation still to be used, so that `join` goes all the way.
    invitation_hash = "f" * 64
    await InvitationsRepository(db).create(
        code_hash=invitation_hash,
        plesso_code=plesso,
        created_by=100,
        now=NOW,
        expires_at=NOW + timedelta(days=7),
    )
    referent_user = await _one(
        db, "SELECT telegram_user_id FROM referents WHERE id = ?", (referent_id,)
    )
    isolation = await _isolation(db, "ATS-MILANO", plesso, referent_user, 100)
    tables = [
        row[0]
        for row in await db.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    min_ids: dict[str, int] = {}
    for table in tables:
        columns = {row[1] for row in await db.fetchall(f"PRAGMA table_info({table})")}
        if "id" in columns:
            min_ids[table] = int(await _one(db, f"SELECT COALESCE(MIN(id), 1) FROM {table}"))
    return Facts(
        ats="ATS-MILANO",
        plesso=plesso,
        plessi=[row[0] for row in await db.fetchall("SELECT code FROM plessi LIMIT 3")],
        open_case=open_case,
        closed_case=int(closed["id"]),
        receipt=closed["receipt_code"],
        contact=contact,
        referent_id=referent_id,
        referent_user=referent_user,
        admin=100,
        invitation_hash=invitation_hash,
        days=[NOW.date() - timedelta(days=2), NOW.date()],
        min_ids=min_ids,
        isolation=isolation,
    )


async def _isolation(db: Database, ats: str, plesso: str, user: int, admin: int) -> Isolation:
    citizens = CitizensRepository(db)
    swabs = SwabsRepository(db)
    week = NOW + timedelta(days=7)

    def person(line: int, cf: str, surname: str) -> RegisterRow:
        return RegisterRow(
            line=line,
            codice_fiscale=cf,
            surname=surname,
            name="Laura",
            birth_date=date(2010, 1, 1),
            phone="+393330000003",
            d0=NOW.date() - timedelta(days=3),
            onset=NOW.date() - timedelta(days=4),
            comune_code="F205",
        )

    cf, token = "BNCLRA10A41F205Y", "c" * 64
    citizen = await citizens.add(
        person(1, cf, "Bianchi"),
        ats_code=ats,
        token_hash=token,
        expires_at=week,
        actor=admin,
        now=NOW,
    )
    # One whose isolation ended before any cutoff, so that `purge_closed` deletes for real.
    closed = await citizens.add(
        person(2, "RSSMRA10A01F205X", "Rossi"),
        ats_code=ats,
        token_hash="b" * 64,
        expires_at=week,
        actor=admin,
        now=NOW - timedelta(days=60),
    )
    assert citizen is not None and closed is not None
    await citizens.link(user, citizen, by=user, now=NOW)
    await citizens.save_entry(
        closed, DiaryEntry(day=NOW.date() - timedelta(days=59)), by=user, now=NOW
    )
    await citizens.close(closed, actor=admin, now=NOW - timedelta(days=40))
    alert = await citizens.save_entry(
        citizen,
        DiaryEntry(
            day=NOW.date() - timedelta(days=1),
            symptoms=(Symptom.FEVER,),
            temperature=38.2,
            red_flags=(RedFlag.SHORT_OF_BREATH,),
        ),
        by=user,
        now=NOW,
    )
    member = await citizens.add_member(
        HouseholdMember(
            citizen_id=citizen, surname="Bianchi", name="Marco", codice_fiscale="BNCMRC80A01F205Z"
        ),
        by=user,
        now=NOW,
    )
    assert alert is not None and member is not None
    await citizens.claim_reminder(citizen, NOW.date(), "prompt", NOW)

    point = "MI-FIERA"
    await swabs.load_slots(
        ats,
        [
            SlotRow(
                line=1,
                point=point,
                name="Drive-through Fiera",
                address="Viale Scarampo",
                comune="Milano",
                day=NOW.date() + timedelta(days=1),
                opens=time(9, 0),
                closes=time(10, 0),
                minutes=15,
                places=4,
                kind=SlotKind.BOOKED,
            )
        ],
        actor=admin,
        now=NOW,
    )
    slot = (await swabs.open_slots(ats, NOW.astimezone(ROME).replace(tzinfo=None)))[0].id

    def referred(cf: str) -> ReferralRow:
        return ReferralRow(
            line=1,
            codice_fiscale=cf,
            surname="Verdi",
            name="Anna",
            birth_date=date(1980, 5, 1),
            phone="+393330000004",
            doctor="Dr. Neri",
        )

    referral_token = "a" * 64
    referral = await swabs.add_referral(
        referred("VRDNNA80E41F205K"),
        ats_code=ats,
        token_hash=referral_token,
        expires_at=week,
        actor=admin,
        now=NOW,
    )
    free_referral = await swabs.add_referral(
        referred("VRDLCU81E01F205J"),
        ats_code=ats,
        token_hash="9" * 64,
        expires_at=week,
        actor=admin,
        now=NOW,
    )
    booking_code = "T-7KQ2"
    assert await swabs.take_place(slot)
    booking = await swabs.add_booking(
        booking_code, None, slot, by=user, now=NOW, referral_id=referral
    )
    pass_code = "P-4XW9"
    swab_pass = await swabs.add_pass(
        pass_code,
        ats_code=ats,
        plesso_code=plesso,
        codice_fiscale=cf,
        now=NOW,
        expires_at=NOW + timedelta(hours=48),
    )
    staff_hash = "d" * 64
    await swabs.add_staff_invitation(staff_hash, ats, by=admin, now=NOW, expires_at=week)
    return Isolation(
        citizen=citizen,
        citizen_cf=cf,
        citizen_token=token,
        alert=alert,
        member=member,
        point_code=point,
        slot=slot,
        referral=referral,
        referral_token=referral_token,
        free_referral=free_referral,
        booking=booking,
        booking_code=booking_code,
        pass_id=swab_pass.id,
        pass_code=pass_code,
        staff_hash=staff_hash,
    )


# --- arguments from type hints ---------------------------------------------------------------


class NoSample(Exception):
    """A parameter of a kind the samples below do not know: add one."""


class NotACall(Exception):
    """The profile breaks an `EXACTLY_ONE` group: the bot never calls the method so."""


@dataclass
class Profile:
    """Which optional slots get None: all (`minimal`), none, or only `none_at`."""

    minimal: bool = False
    none_at: str | None = None
    seen: list[str] = field(default_factory=list)  # optional slots met, by path


class Samples:
    def __init__(self, facts: Facts, db: Database) -> None:
        self.facts = facts
        self.db = db
        f = facts
        iso = facts.isolation
        # By parameter (or field) name, or by its whole path ("Class.method.param[.field]")
        # where one method needs a value of its own; used when the value fits the annotation.
        # A path also fills a model's field that has a default (a member's `citizen_id`).
        self.named: dict[str, Callable[[], object]] = {
            "ats_code": lambda: f.ats,
            "plesso_code": lambda: f.plesso,
            "code": lambda: f.plesso,
            "codes": lambda: f.plessi,
            "case_id": lambda: f.open_case.id,
            "case_ids": lambda: [f.open_case.id, f.closed_case],
            "contact_id": lambda: f.contact.id,
            "item_id": lambda: f.min_ids.get("ats_outbox", 1),
            "referent_id": lambda: f.referent_id,
            "telegram_user_id": lambda: f.referent_user,
            "user_id": lambda: f.referent_user,
            "actor": lambda: f.admin,
            "created_by": lambda: f.admin,
            "admin_user_id": lambda: f.admin,
            "receipt_code": lambda: f.receipt,
            "code_hash": lambda: "e" * 64,  # a new one (`create`); unknown to `by_hash`
            "invitation_hash": lambda: f.invitation_hash,
            "codice_fiscale": lambda: "BNCLRA10A41F205Y",
            "entity": lambda: "case",
            "entity_id": lambda: str(f.open_case.id),
            "flow": lambda: "case_form",
            "key": lambda: (f.referent_user, f.referent_user),
            "days": lambda: f.days,
            "day": lambda: f.days[-1],
            "expected_version": lambda: 1,
            "page": lambda: 10_000,  # clamped to the last page: both ends of a list are read
            "year": lambda: 2025,
            "update_ids": lambda: [1, 2],
            "ids": lambda: [f.min_ids.get("reminder_log", 1)],
            "table": lambda: "invitation_failures",  # storage.failures.FailureLog's own table
            # Isolations and swabs (issues 19, 20): the rows `_isolation` added.
            "citizen_id": lambda: iso.citizen,
            "alert_id": lambda: iso.alert,
            "member_id": lambda: iso.member,
            "point_code": lambda: iso.point_code,
            "slot_id": lambda: iso.slot,
            "referral_id": lambda: iso.referral,
            "booking_id": lambda: iso.booking,
            "pass_id": lambda: iso.pass_id,
            "target_id": lambda: iso.booking,
            "counts": lambda: (1, 3, 1),  # people, diary entries, household members
            "CitizensRepository.add.row.codice_fiscale": lambda: "GLLPLA09B12F205W",
            "CitizensRepository.add.token_hash": lambda: "8" * 64,
            "CitizensRepository.by_token.token_hash": lambda: iso.citizen_token,
            "CitizensRepository.use_token.token_hash": lambda: iso.citizen_token,
            "CitizensRepository.reissue_token.token_hash": lambda: "7" * 64,
            "CitizensRepository.claim_reminder.kind": lambda: "nudge",
            "CitizensRepository.reminder_sent.kind": lambda: "prompt",
            "CitizensRepository.set_reminder.hour": lambda: 12,
            "CitizensRepository.save_entry.entry.red_flags": lambda: (RedFlag.SHORT_OF_BREATH,),
            "CitizensRepository.add_member.member.citizen_id": lambda: iso.citizen,
            "CitizensRepository.add_member.member.codice_fiscale": lambda: "BNCGLI12C41F205T",
            "CitizensRepository.update_member.member.citizen_id": lambda: iso.citizen,
            "SwabsRepository.add_booking.code": lambda: "T-9MZ4",
            "SwabsRepository.add_booking.referral_id": lambda: iso.free_referral,
            "SwabsRepository.booking_by_code.code": lambda: iso.booking_code,
            "SwabsRepository.add_pass.code": lambda: "P-8TR3",
            "SwabsRepository.pass_by_code.code": lambda: iso.pass_code,
            "SwabsRepository.add_referral.token_hash": lambda: "6" * 64,
            "SwabsRepository.referral_by_token.token_hash": lambda: iso.referral_token,
            "SwabsRepository.use_referral_token.token_hash": lambda: iso.referral_token,
            "SwabsRepository.redeem_staff_invitation.code_hash": lambda: iso.staff_hash,
            "SwabsRepository.claim_reminder.kind": lambda: "evening",
        }
        # By type, for the domain's records that must be consistent.
        self.typed: dict[type, Callable[[], object]] = {
            CaseData: lambda: f.open_case.data.model_copy(update={"phone1": "+393330000001"}),
            ContactData: lambda: f.contact.data.model_copy(
                update={"codice_fiscale": "BNCLRA10A41F205Y", "phone": "+393330000002"}
            ),
            Comune: lambda: Comune(code="F205", name="Milano", province="MI"),
            # The row an outbox's `claim` takes (storage.outbox.OutboxDelivery): id, attempts.
            OutboxRow: lambda: types.SimpleNamespace(id=f.min_ids.get("ats_outbox", 1), attempts=0),
            ZoneInfo: lambda: ROME,
            datetime: lambda: NOW,
            date: lambda: f.days[-1],
            timedelta: lambda: timedelta(minutes=5),
            time: lambda: time(9, 0),  # a swab point's opening (issue 20)
            str: lambda: "Forbidden",
            int: lambda: 1,
            float: lambda: 1.0,
            bool: lambda: True,
        }

    def value(self, path: str, name: str, hint: Any, profile: Profile) -> object:
        origin = typing.get_origin(hint)
        args = typing.get_args(hint)
        if origin in (typing.Union, types.UnionType):
            members = [a for a in args if a is not type(None)]
            if len(members) < len(args):  # Optional
                profile.seen.append(path)
                if profile.minimal or profile.none_at == path:
                    return None
            return self.value(path, name, members[0], profile)
        for key in (path, name):
            if key in self.named:
                candidate = self.named[key]()
                if _fits(candidate, hint):
                    return candidate
        if isinstance(hint, type) and hint in self.typed:
            return self.typed[hint]()
        if origin is typing.Literal:
            return args[0]
        if origin in (list, tuple, set, frozenset, Sequence, Collection, Iterable) or (
            isinstance(origin, type)
            and issubclass(origin, Collection)
            and not issubclass(origin, Mapping)
        ):
            item = self.value(f"{path}[]", name, args[0] if args else str, profile)
            return (origin if origin in (list, tuple, set, frozenset) else list)([item])
        if origin in (dict, Mapping) or (isinstance(origin, type) and issubclass(origin, Mapping)):
            return {"n": 1}
        if origin is not None and callable(hint):
            raise NoSample(f"{path}: {hint}")
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            return next(iter(hint))
        if isinstance(hint, type) and issubclass(hint, pydantic.BaseModel):
            return hint.model_validate(
                self._fields(
                    path,
                    {n: (f.annotation, f.is_required()) for n, f in hint.model_fields.items()},
                    profile,
                )
            )
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            hints = typing.get_type_hints(hint)
            return hint(
                **self._fields(
                    path,
                    {
                        f.name: (
                            hints[f.name],
                            f.default is dataclasses.MISSING
                            and f.default_factory is dataclasses.MISSING,
                        )
                        for f in dataclasses.fields(hint)
                        if f.init
                    },
                    profile,
                )
            )
        if isinstance(hint, type) and issubclass(hint, tuple) and hasattr(hint, "_fields"):
            hints = typing.get_type_hints(hint)
            return hint(**self._fields(path, {n: (hints[n], True) for n in hint._fields}, profile))
        if isinstance(hint, type) and hint.__module__.startswith("storage."):
            return _build(hint, self.db, self, profile)  # a repository another one needs
        raise NoSample(f"{path}: {hint}")

    def _fields(
        self, path: str, fields: dict[str, tuple[Any, bool]], profile: Profile
    ) -> dict[str, object]:
        return {
            name: self.value(f"{path}.{name}", name, hint, profile)
            for name, (hint, required) in fields.items()
            if required or _optional(hint) or f"{path}.{name}" in self.named
        }


def _optional(hint: Any) -> bool:
    return typing.get_origin(hint) in (typing.Union, types.UnionType) and type(
        None
    ) in typing.get_args(hint)


def _fits(value: object, hint: Any) -> bool:
    origin = typing.get_origin(hint) or hint
    if origin in (Sequence, Collection, Iterable):
        return isinstance(value, list | tuple)
    if origin is tuple and isinstance(value, tuple):
        return True
    if not isinstance(origin, type):
        return False
    if origin is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, origin)


def _call_args(
    func: Callable[..., object], owner: str, samples: Samples, profile: Profile
) -> dict[str, object]:
    hints = typing.get_type_hints(func)
    arguments: dict[str, object] = {}
    for name, parameter in inspect.signature(func).parameters.items():
        if name == "self" or parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        hint = hints.get(name, Any)
        if parameter.default is not parameter.empty and not _optional(hint):
            continue  # a limit, a page size, an injected function: their defaults do
        if hint is Database:
            arguments[name] = samples.db
            continue
        arguments[name] = samples.value(f"{owner}.{name}", name, hint, profile)
    return arguments


def _build(cls: type, db: Database, samples: Samples, profile: Profile) -> object:
    init: Callable[..., object] = cls.__init__  # type: ignore[misc]
    return cls(**_call_args(init, cls.__name__, samples, profile))


def repositories() -> list[type]:
    """Every class of storage/ built on the Database, and so every query of the bot."""
    found: list[type] = []
    for info in pkgutil.iter_modules(storage.__path__):
        module = importlib.import_module(f"storage.{info.name}")
        for obj in vars(module).values():
            if (
                inspect.isclass(obj)
                and obj.__module__ == module.__name__
                and obj is not Database
                and Database in typing.get_type_hints(obj.__init__).values()
            ):
                found.append(obj)
    return found


def methods(cls: type) -> list[str]:
    return [
        name
        for name, member in inspect.getmembers(cls, inspect.iscoroutinefunction)
        if not name.startswith("_")
    ]


# --- capturing ----------------------------------------------------------------------------


@dataclass
class Statement:
    sql: str
    params: object
    origins: set[str] = field(default_factory=set)


@dataclass
class Capture:
    statements: dict[str, Statement] = field(default_factory=dict)
    called: list[str] = field(default_factory=list)
    ran: set[str] = field(default_factory=set)  # run through in one profile at least
    failures: list[str] = field(default_factory=list)
    origin: str = ""

    def add(self, sql: str, params: object) -> None:
        statement = self.statements.setdefault(sql, Statement(sql, params))
        statement.origins.add(self.origin)


def _recording(capture: Capture) -> Callable[[], None]:
    """Wrap storage.db's execute methods (execute, executemany, execute_fetchall, ...) so
    every statement is recorded; returns the undo. executescript is left out: only the
    migrations and VACUUM use it."""
    originals = {
        (cls, name): getattr(cls, name)
        for cls in (db_module.Connection, db_module.Cursor)
        for name in dir(cls)
        if name.startswith("execute") and name != "executescript"
    }
    for (cls, name), original in originals.items():

        def wrapper(
            self: object,
            sql: str,
            parameters: Any = None,
            *,
            _original: Any = original,
            _many: bool = name == "executemany",
        ) -> Any:
            if _many:  # the rows may be a generator: keep them, record the first
                parameters = list(parameters or [])
                capture.add(sql, parameters[0] if parameters else None)
            else:
                capture.add(sql, parameters)
            return _original(self, sql, parameters)

        setattr(cls, name, wrapper)

    def undo() -> None:
        for (cls, name), original in originals.items():
            setattr(cls, name, original)

    return undo


async def _run_one(
    template: Path,
    work: Path,
    facts: Facts,
    cls: type,
    name: str,
    profile: Profile,
    capture: Capture,
) -> None:
    shutil.copyfile(template, work)
    db = Database(work)
    await db.connect()
    try:
        samples = Samples(facts, db)
        repository = _build(cls, db, samples, profile)
        method = getattr(repository, name)
        arguments = _call_args(method, f"{cls.__name__}.{name}", samples, profile)
        group = EXACTLY_ONE.get(f"{cls.__name__}.{name}", ())
        if group and sum(arguments.get(arg) is not None for arg in group) != 1:
            raise NotACall(group)
        capture.origin = f"{cls.__name__}.{name}"
        undo = _recording(capture)
        try:
            await method(**arguments)
        finally:
            undo()
    finally:
        await db.close()


async def capture_all(folder: Path) -> Capture:
    template = folder / "template.sqlite3"
    facts = await _seed(template)
    capture = Capture()
    work = folder / "work.sqlite3"
    for cls in repositories():
        for name in methods(cls):
            label = f"{cls.__name__}.{name}"
            capture.called.append(label)
            full = Profile()
            profiles = [full, Profile(minimal=True)]
            index = 0
            while index < len(profiles):
                profile = profiles[index]
                index += 1
                try:
                    await _run_one(template, work, facts, cls, name, profile, capture)
                    capture.ran.add(label)
                except NotACall:
                    pass
                except NoSample as missing:
                    capture.failures.append(f"{label}: no sample for {missing}")
                    break
                except Exception as error:  # the method refused our sample: say which
                    capture.failures.append(f"{label} {profile}: {type(error).__name__} {error}")
                if profile is full:  # then each optional slot left out alone
                    profiles += [Profile(none_at=path) for path in dict.fromkeys(full.seen)]
    return capture


# --- plans --------------------------------------------------------------------------------


def _aliases(sql: str) -> dict[str, str]:
    names: dict[str, str] = {}
    for match in _TABLE_REF.finditer(sql):
        table = match["table"]
        names[table] = table
        alias = match["alias"]
        if alias and alias.lower() not in _KEYWORDS:
            names[alias] = table
    return names


def scans(path: Path, statements: Iterable[Statement]) -> list[str]:
    """The plan steps that read a whole big table, one line each, with the statement."""
    found: list[str] = []
    conn = sqlite3.connect(path)
    try:
        tables = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        for statement in statements:
            if _NO_PLAN.match(statement.sql):
                continue
            params: Any = statement.params if statement.params is not None else ()
            plan = conn.execute(f"EXPLAIN QUERY PLAN {statement.sql}", params).fetchall()
            aliases = _aliases(statement.sql)
            for row in plan:
                match = _SCAN.match(row[3])
                if match is None:
                    continue
                table = aliases.get(match["name"], match["name"])
                if table not in tables or table in SMALL_TABLES:
                    continue
                if (table, match["index"] or "") in ALLOWED_SCANS:
                    continue
                found.append(
                    f"{row[3]}  <- {sorted(statement.origins)}: {' '.join(statement.sql.split())}"
                )
    finally:
        conn.close()
    return found


@pytest.fixture(scope="module")
def captured(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Capture]:
    folder = tmp_path_factory.mktemp("plans")
    capture = asyncio.run(capture_all(folder))
    return folder / "template.sqlite3", capture


def test_every_repository_method_ran(captured: tuple[Path, Capture]) -> None:
    _, capture = captured
    assert "CasesRepository.page" in capture.called and len(capture.called) > 50
    assert not capture.failures, "methods not run through:\n" + "\n".join(capture.failures)
    assert set(capture.called) <= capture.ran, sorted(set(capture.called) - capture.ran)


def test_every_query_of_a_big_table_uses_an_index(captured: tuple[Path, Capture]) -> None:
    template, capture = captured
    assert len(capture.statements) > 100
    found = scans(template, capture.statements.values())
    assert not found, "plan steps reading a whole big table:\n" + "\n".join(found)


def test_a_dropped_index_is_caught(captured: tuple[Path, Capture], tmp_path: Path) -> None:
    """Without their indexes, the absences of a day and an entity's audit rows are scans."""
    template, capture = captured
    broken = tmp_path / "broken.sqlite3"
    shutil.copyfile(template, broken)
    conn = sqlite3.connect(broken)
    for table in ("absences", "audit_log"):
        for (index,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
            " AND sql IS NOT NULL",
            (table,),
        ).fetchall():
            conn.execute(f"DROP INDEX {index}")
    conn.close()
    found = "\n".join(scans(broken, capture.statements.values()))
    assert "SCAN a" in found or "SCAN absences" in found
    assert "SCAN audit_log" in found
