"""Use cases of the absences feature on a real SQLite file: one transaction per save, the
rules they apply, and the button data the handlers make (unchanged bytes)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from conversations.absences import closures as closures_flow
from conversations.absences import enrolment as enrolment_flow
from conversations.absences import record as record_flow
from domain.access import Actor
from domain.calendar import ROME
from domain.enrolment import Enrolment
from domain.errors import ValidationFailed
from domain.registry import Plesso, Referent
from services import absences as absences_service
from services import closures as closures_service
from services import enrolment as enrolment_service
from services.closures import NewClosure
from services.unit_of_work import UnitOfWork
from storage.db import Database, DatabaseUnavailable
from tests.unit.test_absences_storage import ADMIN, ELSEWHERE, NOW, SENTINEL, TUESDAY, plesso

REFERENT = Actor(
    user_id=200,
    referent=Referent(
        id=1,
        telegram_user_id=200,
        full_name="Maria Rossi",
        phone="3331234567",
        email="maria@example.it",
        plessi=(SENTINEL,),
    ),
)
ADMIN_MILANO = Actor(user_id=ADMIN, is_admin=True, admin_ats="ATS-MILANO")


@pytest.fixture
async def uow(tmp_path: Path) -> AsyncIterator[UnitOfWork]:
    database = Database(tmp_path / "test.sqlite3")
    await database.connect()
    work = UnitOfWork(database, absence_start_date=date(2026, 9, 1), timezone=ROME)
    await work.plessi.upsert_many(
        [plesso(SENTINEL), plesso(ELSEWHERE, ats="ATS-VALPADANA")], actor=ADMIN, now=NOW
    )
    enrolment = Enrolment(plesso_code=SENTINEL, pupils=200, classes=10, valid_from=date(2026, 9, 1))
    await work.enrolments.add(enrolment, actor=REFERENT.user_id, now=NOW)
    yield work
    await database.close()


async def _sentinel(uow: UnitOfWork) -> Plesso:
    found = await uow.plessi.get(SENTINEL)
    assert found is not None
    return found


async def _absence_audit(uow: UnitOfWork) -> list[str]:
    entries = await uow.audit.for_entity("plesso", SENTINEL)
    return [entry.action for entry in entries if entry.action.startswith("absence.")]


async def test_the_figure_and_the_plessos_last_use_are_one_transaction(
    uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def busy(*args: object, **kwargs: object) -> None:
        raise DatabaseUnavailable("database is locked")

    monkeypatch.setattr(uow.referents, "touch_plesso", busy)
    sentinel = await _sentinel(uow)
    with pytest.raises(DatabaseUnavailable):
        await absences_service.record_absences(uow, REFERENT, sentinel, TUESDAY, 12, 3, NOW)
    assert await uow.absences.get(SENTINEL, TUESDAY) is None
    assert await _absence_audit(uow) == []


async def test_a_save_then_a_correction_with_the_calendars_deadline(uow: UnitOfWork) -> None:
    sentinel = await _sentinel(uow)
    first = await absences_service.record_absences(uow, REFERENT, sentinel, TUESDAY, 12, 3, NOW)
    assert (first.figure.absent, first.figure.ill, first.figure.enrolled) == (12, 3, 200)
    assert first.previous is None and first.comparison is not None
    # The window's end, as domain.calendar says: Wednesday 23:59 in Rome.
    assert first.deadline == datetime.combine(date(2026, 11, 18), time.max, tzinfo=ROME)
    later = NOW.replace(hour=15)
    second = await absences_service.record_absences(
        uow, REFERENT, sentinel, TUESDAY, 20, None, later
    )
    assert second.previous is not None and second.previous.absent == 12
    assert (second.figure.absent, second.figure.ill) == (20, None)
    assert second.figure.recorded_at == NOW and second.figure.updated_at == later.astimezone(UTC)
    assert await _absence_audit(uow) == ["absence.correct", "absence.record"]


async def test_figures_that_no_longer_fit_the_enrolment_save_nothing(uow: UnitOfWork) -> None:
    sentinel = await _sentinel(uow)
    with pytest.raises(ValidationFailed):
        await absences_service.record_absences(uow, REFERENT, sentinel, TUESDAY, 201, None, NOW)
    assert await uow.absences.get(SENTINEL, TUESDAY) is None


async def test_the_window_is_the_calendars(uow: UnitOfWork) -> None:
    thursday = datetime(2026, 11, 19, 9, 0, tzinfo=ROME)
    with pytest.raises(ValidationFailed) as refused:
        await absences_service.recording_plesso(uow, REFERENT, SENTINEL, TUESDAY, thursday)
    assert refused.value.code == "window_closed"
    assert await absences_service.recording_plesso(uow, REFERENT, ELSEWHERE, TUESDAY, NOW) is None
    opening = await absences_service.open_recording(uow, await _sentinel(uow), None, NOW)
    assert opening.day == TUESDAY and not opening.needs_enrolment


async def test_an_enrolment_is_saved_only_for_a_plesso_held(uow: UnitOfWork) -> None:
    assert (
        await enrolment_service.save_enrolment(uow, REFERENT, ELSEWHERE, TUESDAY, 300, 12, NOW)
        is None
    )
    saved = await enrolment_service.save_enrolment(uow, REFERENT, SENTINEL, TUESDAY, 300, 12, NOW)
    assert saved is not None and saved.valid_from == TUESDAY  # a change: in force from the day
    assert (await uow.enrolments.in_force(SENTINEL, TUESDAY)) == saved


async def test_an_admin_cannot_add_or_remove_closures_of_another_ats(uow: UnitOfWork) -> None:
    elsewhere = NewClosure("ATS-VALPADANA", None, date(2026, 12, 1), date(2026, 12, 2), "")
    assert await closures_service.add_closure(uow, ADMIN_MILANO, elsewhere, NOW) is None
    regional = Actor(user_id=101, is_admin=True)
    period = await closures_service.add_closure(uow, regional, elsewhere, NOW)
    assert period is not None
    assert await closures_service.managed_closure(uow, ADMIN_MILANO, period.id) is None
    assert not await closures_service.remove_closure(uow, ADMIN_MILANO, period, NOW)
    assert await closures_service.remove_closure(uow, regional, period, NOW)
    assert await closures_service.managed_closure(uow, regional, period.id) is None


def test_button_data_keep_their_bytes() -> None:
    """Buttons already in users' chats keep working: the data are what they were."""
    assert record_flow.BUTTONS.data(enrolment_flow.PICK, SENTINEL) == f"ab:pl:{SENTINEL}"
    assert record_flow.ILL_UNKNOWN == "ab:ill:no"
    assert record_flow.ENROLMENT_BUTTONS.data(enrolment_flow.OK) == "abe:ok"
    assert record_flow.ENROLMENT_BUTTONS.data(enrolment_flow.REDO) == "abe:redo"
    assert enrolment_flow.BUTTONS.data(enrolment_flow.PICK, SENTINEL) == f"en:pl:{SENTINEL}"
    assert enrolment_flow.BUTTONS.data(enrolment_flow.OK) == "en:ok"
    cl = closures_flow.BUTTONS
    assert [
        cl.data(closures_flow.ATS, "ATS-MILANO"),
        cl.data(closures_flow.ADD, "ATS-MILANO"),
        cl.data(closures_flow.REMOVE, 7),
        cl.data(closures_flow.REMOVE_YES, 7),
        cl.data(closures_flow.REMOVE_NO, 7),
    ] == ["cl:ats:ATS-MILANO", "cl:add:ATS-MILANO", "cl:rm:7", "cl:rmy:7", "cl:rmn:7"]
    verbs = [
        closures_flow.WHOLE_ATS,
        closures_flow.ONE_PLESSO,
        closures_flow.NO_NOTE,
        closures_flow.SAVE,
        closures_flow.DISCARD,
    ]
    assert [cl.data(verb) for verb in verbs] == ["cl:all", "cl:one", "cl:nonote", "cl:ok", "cl:no"]
