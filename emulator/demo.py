"""The fictional demo schools, for the console and for trying the bot."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from bot.context import Services
from domain.access import Actor
from domain.calendar import school_year_bounds, school_year_of
from domain.enrolment import Enrolment
from domain.isolation import RegisterImport, RegisterRow
from domain.registry import ImportCounts
from domain.schools import parse_schools_csv
from services import citizens, registry


def demo_csv() -> bytes:
    return (Path(__file__).with_name("demo") / "plessi_demo.csv").read_bytes()


async def seed_demo_schools(services: Services, actor: int) -> ImportCounts:
    """The demo plessi, loaded as a regional admin's /scuole would load them."""
    regional_admin = Actor(user_id=actor, is_admin=True)
    parsed = parse_schools_csv(demo_csv())
    imported = await registry.import_schools(services, regional_admin, parsed, services.now())
    return imported.counts


async def seed_demo_absences(
    services: Services, actor: int, *, outbreak_plesso: str | None = None
) -> int:
    """Demo enrolments and absences of the sentinel plessi, for every recording day of the
    school year so far (today included): rates of 2-4% with some noise, and one plesso (the
    first sentinel one, or `outbreak_plesso`) rising to 14% over its last three recordings,
    so /report has a history, a chart and a flag. Days already recorded are kept.
    Returns the figures written."""
    now = services.now()
    today = services.local_now().date()
    start, _ = school_year_bounds(school_year_of(today))
    written = 0
    sentinels = await services.ats.sentinel_plessi(None)
    rising = outbreak_plesso or (sentinels[0].code if sentinels else None)
    for plesso in sentinels:
        rng = random.Random(plesso.code)
        enrolment = await services.enrolments.in_force(plesso.code, today)
        if enrolment is None:
            enrolment = await services.enrolments.add(
                Enrolment(
                    plesso_code=plesso.code,
                    pupils=rng.randint(250, 700),
                    classes=rng.randint(12, 28),
                    valid_from=start,
                ),
                actor=actor,
                now=now,
            )
        calendar = await services.closures.calendar(plesso.ats_code)
        days = calendar.recording_days_between(start, today, plesso.code)
        done = await services.absences.recorded_days(plesso.code, days)
        base = rng.uniform(0.02, 0.04)
        for index, day in enumerate(days):
            if day in done:
                continue
            rate = base * rng.uniform(0.8, 1.2)
            from_end = len(days) - index
            if plesso.code == rising and from_end <= 3:
                rate = (0.06, 0.10, 0.14)[3 - from_end]
            absent = round(enrolment.pupils * rate)
            await services.absences.record(
                plesso_code=plesso.code,
                day=day,
                absent=absent,
                ill=absent // 2,
                actor=actor,
                now=now,
            )
            written += 1
    return written


DEMO_CITIZEN_CF = "RSSMRA85D10F205K"  # a well-formed, fictional codice fiscale
DEMO_CITIZEN_PHONE = "+393330000001"


async def seed_demo_citizen(services: Services, admin_id: int, chat_id: int) -> int:
    """A fictional person in isolation (ATS-MILANO, D0 five days ago), loaded as the
    admin's /registro would, and linked to `chat_id` as the admin's /collega would (the
    console cannot share a phone contact). Returns the person's id (0 if already there)."""
    admin = Actor(user_id=admin_id, is_admin=True, admin_ats="ATS-MILANO")
    row = RegisterRow(
        line=2,
        codice_fiscale=DEMO_CITIZEN_CF,
        surname="ROSSI",
        name="MARIO",
        birth_date=date(1985, 4, 10),
        phone=DEMO_CITIZEN_PHONE,
        d0=services.local_now().date() - timedelta(days=5),
    )
    now = services.now()
    loaded = await citizens.load_register(
        services, admin, "ATS-MILANO", RegisterImport(rows=[row], errors=[]), now
    )
    if not loaded.issued:
        return 0
    citizen_id = loaded.issued[0].citizen_id
    await citizens.link_by_hand(services, admin, citizen_id, chat_id, now)
    return citizen_id
