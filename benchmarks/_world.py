"""A fresh database for the benchmarks, written through the repositories: N plessi of
ATS-MILANO, one registered referent each (joined by invitation, as the bot does), the
enrolment of every sentinel plesso, and the open cases the class files are added to."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from benchmarks._flows import FILE_CASE_CF, YESTERDAY, Kind, kind_of, plesso_of, user_id_of
from bot.context import Services
from bot.settings import Settings
from domain.cases import CaseDraft, complete_case
from domain.comuni import Comune, comune_by_code
from domain.enrolment import Enrolment
from domain.invitations import hash_invitation_code, new_invitation_code
from domain.people import Role
from domain.registry import Plesso, ReferentProfile
from domain.schools import SchoolType
from storage.db import Database

ROME = ZoneInfo("Europe/Rome")
ATS = "ATS-MILANO"
SEEDER = 0  # the actor of the seeding, as emulator.demo's
SCHOOL_YEAR_START = date(2026, 9, 1)
# A token of the right shape; the emulator accepts whichever it is given.
TOKEN = "123456:BENCHMARK-TOKEN-abcdefghijklmnop"


def _milano() -> Comune:
    milano = comune_by_code("F205")
    assert milano is not None
    return milano


def plesso(index: int, *, sentinel: bool) -> Plesso:
    milano = _milano()
    return Plesso(
        code=plesso_of(index),
        name=f"Scuola Primaria Benchmark {index}",
        comune_code=milano.code,
        comune_name=milano.name,
        province=milano.province,
        address=f"Via dei Test, {index + 1}",
        school_type="primaria",
        sentinel=sentinel,
        ats_code=ATS,
    )


def profile(index: int) -> ReferentProfile:
    return ReferentProfile(
        full_name=f"REFERENTE BENCHMARK {_letters(index)}",
        phone=f"+39335{5_000_000 + index:07d}",
        email=f"referente{index}@scuola.example.it",
    )


def _letters(index: int) -> str:
    """The index in letters: names take no digits."""
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(ord("A") + rest) + text
    return text


async def seed(
    database: Path,
    indexes: Iterable[int],
    *,
    now: datetime,
    sentinel: Callable[[int], bool],
    file_case: Callable[[int], bool] = lambda index: False,
) -> dict[int, int]:
    """Plessi, referents and enrolments for `indexes`; an open pupil's case for those with
    `file_case`. Returns index -> id of that case."""
    chosen = list(indexes)
    db = Database(database)
    await db.connect()
    try:
        services = Services(
            settings=Settings(telegram_bot_token=TOKEN, database_path=database),
            db=db,
            clock=lambda: now,
        )
        await services.plessi.upsert_many(
            [plesso(index, sentinel=sentinel(index)) for index in chosen], actor=SEEDER, now=now
        )
        cases: dict[int, int] = {}
        for index in chosen:
            await _referent(services, index, now)
            if sentinel(index):
                await services.enrolments.add(
                    Enrolment(
                        plesso_code=plesso_of(index),
                        pupils=300 + index % 400,
                        classes=15,
                        valid_from=SCHOOL_YEAR_START,
                    ),
                    actor=SEEDER,
                    now=now,
                )
            if file_case(index):
                cases[index] = await _open_case(services, index, now)
        return cases
    finally:
        await db.close()


async def _referent(services: Services, index: int, now: datetime) -> None:
    code = new_invitation_code()
    await services.invitations.create(
        code_hash=hash_invitation_code(code),
        plesso_code=plesso_of(index),
        created_by=SEEDER,
        now=now,
        expires_at=now + timedelta(days=7),
    )
    joined = await services.referents.join(
        telegram_user_id=user_id_of(index),
        profile=profile(index),
        invitation_hash=hash_invitation_code(code),
        now=now,
    )
    if joined is None:
        raise RuntimeError(f"referent {index} could not join")


async def _open_case(services: Services, index: int, now: datetime) -> int:
    draft = CaseDraft(
        plesso_code=plesso_of(index),
        school_type=SchoolType.PRIMARIA,
        class_name="3",
        section="B",
        referent_name=profile(index).full_name,
        referent_phone=profile(index).phone,
        referent_email=profile(index).email,
        role=Role.STUDENT,
        surname="NERI",
        name="PAOLO",
        codice_fiscale=FILE_CASE_CF,
        birth_date=date(2014, 5, 7),
        comune=_milano(),
        phone1="+393471234567",
        last_attendance=YESTERDAY,
    )
    created = await services.cases.create(
        complete_case(draft, now.astimezone(ROME).date()), actor=user_id_of(index), now=now
    )
    return created.id


async def seed_load(database: Path, users: int, now: datetime) -> dict[int, int]:
    """The load benchmark's world: the absences referents' plessi are sentinel."""
    return await seed(
        database,
        range(users),
        now=now,
        sentinel=lambda index: kind_of(index) is Kind.ABSENCES,
        file_case=lambda index: kind_of(index) is Kind.CLASS_FILE,
    )
