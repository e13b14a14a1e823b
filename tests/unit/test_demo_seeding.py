"""The demo data go through the services container (defect 5): the seeding uses the unit of
work's repositories, never ones it builds itself, so what the container holds is what the
demo reads and writes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.context import Services
from bot.settings import Settings
from domain.registry import Plesso
from emulator.demo import seed_demo_absences, seed_demo_schools
from storage.db import Database

ROME = ZoneInfo("Europe/Rome")
THURSDAY = datetime(2026, 11, 19, 11, 0, tzinfo=ROME)


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    settings = Settings(
        telegram_bot_token="123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz",
        database_path=tmp_path / "demo.sqlite3",
        admin_ids="100",
    )
    db = Database(settings.database_path)
    await db.connect()
    yield Services(settings=settings, db=db, clock=lambda: THURSDAY)
    await db.close()


async def test_the_demo_schools_are_imported_through_the_registry(services: Services) -> None:
    counts = await seed_demo_schools(services, actor=0)
    assert counts.added > 0 and counts.updated == counts.unchanged == 0
    again = await seed_demo_schools(services, actor=0)
    assert (again.added, again.updated, again.unchanged) == (0, 0, counts.added)
    totals = await services.plessi.counts(None)
    assert totals.plessi == counts.added and totals.sentinel > 0


class _NoSentinels:
    """The container's ATS repository, swapped: the region has no sentinel plesso."""

    async def sentinel_plessi(self, ats_code: str | None) -> list[Plesso]:
        return []


async def test_the_demo_absences_read_the_containers_repository(services: Services) -> None:
    await seed_demo_schools(services, actor=0)
    services.ats = _NoSentinels()  # type: ignore[assignment]
    # Built outside the container, the demo would read the sentinel plessi from the
    # database and write their figures anyway.
    assert await seed_demo_absences(services, actor=0) == 0
