"""The fictional demo schools, for the console and for trying the bot."""

from __future__ import annotations

from pathlib import Path

from bot.context import Services
from domain.school_import import to_plesso
from domain.schools import parse_schools_csv
from storage.registry import ImportCounts


def demo_csv() -> bytes:
    return (Path(__file__).with_name("demo") / "plessi_demo.csv").read_bytes()


async def seed_demo_schools(services: Services, actor: int) -> ImportCounts:
    parsed = parse_schools_csv(demo_csv())
    return await services.plessi.upsert_many(
        [to_plesso(row) for row in parsed.rows], actor=actor, now=services.now()
    )
