"""The notice a referent gets when an admin revokes their access goes through an outbox
(issue 10): delivered once Telegram is back, after a restart, never to a blocked referent
twice, and only ever for a revocation the admin may make."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from bot.catalog import common
from bot.errors import RetryingRateLimiter
from conversations.ats.referents import REVOKE_YES
from domain.notices import NoticeKind, ReferentNotice
from domain.outbox import OutboxStatus
from emulator.driver import ChatUser
from reminders import notices
from tests.e2e.steps import PLESSO_MILANO, joined_referent
from tests.harness import ADMIN_MILANO, ADMIN_VALPADANA, Harness

# PTB itself warns, inside RetryAfter, that retry_after will become a timedelta.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

PAOLA = 401
NOTICE = "ha revocato il tuo accesso al plesso"
# Every call beyond the application's own retries (bot/errors.py: RETRIES = 4, so 5 calls).
OUTLASTING_THE_RETRIES = 5


@pytest.fixture
async def referent(harness: Harness, admin: ChatUser) -> ChatUser:
    return await joined_referent(harness, admin, PAOLA, first_name="Paola", name="Paola Gialli")


def fast_retries(harness: Harness) -> None:
    """The application's own back-off in tens of milliseconds, not seconds."""
    assert harness.application is not None
    limiter = harness.application.bot.rate_limiter
    assert isinstance(limiter, RetryingRateLimiter)
    limiter.first_delay, limiter.max_delay = 0.01, 0.02


async def referent_id(harness: Harness) -> int:
    referent = await harness.svc.referents.by_user(PAOLA)
    assert referent is not None
    return referent.id


async def stored(harness: Harness) -> list[ReferentNotice]:
    return await harness.svc.notices.of_referent(await referent_id(harness))


async def settled(harness: Harness, done: Callable[[ReferentNotice], bool]) -> ReferentNotice:
    """The referent's one notice once `done` holds (the outcome is stored just after the send)."""
    for _ in range(100):
        items = await stored(harness)
        if len(items) == 1 and done(items[0]):
            return items[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"the notice did not settle: {await stored(harness)}")


async def revoke(admin: ChatUser) -> None:
    await admin.send("/revoca")
    await admin.tap("PAOLA GIALLI")
    await admin.expect("Revocare a")
    await admin.tap("Sì")


def notices_received(harness: Harness) -> list[str]:
    return [m.content for m in harness.emulator.messages(PAOLA) if NOTICE in m.content]


async def run_the_minute_job(harness: Harness) -> None:
    """What the job every minute does when its minute comes (the test does not wait it)."""
    assert harness.application is not None and harness.application.job_queue is not None
    (job,) = harness.application.job_queue.get_jobs_by_name(notices.JOB_RETRY)
    await job.run(harness.application)


async def test_the_notice_arrives_once_and_is_recorded(
    harness: Harness, admin: ChatUser, referent: ChatUser
) -> None:
    await revoke(admin)
    await admin.expect("Accesso revocato")
    notice = await referent.expect(NOTICE)
    assert PLESSO_MILANO in notice.content
    item = await settled(harness, lambda n: n.status is OutboxStatus.SENT)
    assert (item.kind, item.plesso_code, item.user_id, item.attempts) == (
        NoticeKind.REVOKED,
        PLESSO_MILANO,
        PAOLA,
        1,
    )
    harness.clock.advance(minutes=10)
    await run_the_minute_job(harness)
    assert len(notices_received(harness)) == 1


async def test_other_admins_and_strangers_cannot_revoke_or_cause_a_notice(
    harness: Harness, referent: ChatUser, stranger: ChatUser
) -> None:
    other = harness.user(ADMIN_VALPADANA, "Vera")
    await other.send("/revoca")
    await other.expect("Nessun referente registrato (ATS-VALPADANA)")
    forged = REVOKE_YES.bare(await referent_id(harness), PLESSO_MILANO)
    emulator = harness.emulator
    other_tap, stranger_tap = (
        emulator.forge_callback(user, 1, forged) for user in (ADMIN_VALPADANA, stranger.user_id)
    )
    await stranger.expect("Non sei registrato")
    for _ in range(100):
        if {other_tap, stranger_tap} <= emulator.callback_answers.keys():
            break
        await asyncio.sleep(0.02)
    assert emulator.callback_answers[other_tap].text == common.STALE_BUTTON
    await referent.send("/start")  # still a referent of the plesso, told nothing
    await referent.expect(PLESSO_MILANO)
    assert await stored(harness) == []
    assert notices_received(harness) == []
    stored_referent = await harness.svc.referents.by_user(PAOLA)
    assert stored_referent is not None and stored_referent.plessi == (PLESSO_MILANO,)


@pytest.mark.parametrize("fault", ["server_error", "dropped_connection"])
async def test_telegram_down_the_notice_arrives_later_by_the_job_exactly_once(
    harness: Harness, admin: ChatUser, referent: ChatUser, fault: str
) -> None:
    emulator = harness.emulator
    fast_retries(harness)
    await admin.send("/revoca")
    await admin.tap("PAOLA GIALLI")
    await admin.expect("Revocare a")
    seq = emulator.seq

    def fail_the_notice_once_the_admin_is_answered() -> bool:
        # Checked as each bot action lands, before the bot can send the notice.
        if not any("Accesso revocato" in e.text for e in emulator.events(ADMIN_MILANO, seq)):
            return False
        if fault == "server_error":
            emulator.fail_next("sendMessage", status=502, times=OUTLASTING_THE_RETRIES)
        else:
            emulator.drop_connection_next("sendMessage", times=OUTLASTING_THE_RETRIES)
        return True

    await admin.tap("Sì")
    await emulator.wait_for(fail_the_notice_once_the_admin_is_answered, 10, chat_id=ADMIN_MILANO)
    waiting = await settled(harness, lambda n: n.last_error is not None)
    assert (waiting.status, waiting.attempts, waiting.last_error) == (
        OutboxStatus.PENDING,
        1,
        "NetworkError",
    )
    assert notices_received(harness) == []  # the admin's reply was not held up, though
    assert len(await harness.svc.notices.due(harness.clock())) == 0  # backing off

    harness.clock.advance(minutes=1)
    await run_the_minute_job(harness)
    (notice,) = notices_received(harness)
    assert PLESSO_MILANO in notice
    item = await settled(harness, lambda n: n.status is OutboxStatus.SENT)
    assert item.attempts == 2
    harness.clock.advance(hours=2)
    await run_the_minute_job(harness)
    await asyncio.sleep(0.2)  # time for a duplicate to show up, were there one
    assert len(notices_received(harness)) == 1


async def test_stopped_before_delivery_it_is_delivered_at_start_up(
    harness: Harness, admin: ChatUser, referent: ChatUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The process dies right after the revocation's commit: nothing is sent in its life.
    monkeypatch.setattr(notices, "deliver_soon", lambda application: None)
    await revoke(admin)
    await admin.expect("Accesso revocato")
    (pending,) = await stored(harness)
    assert (pending.status, pending.attempts) == (OutboxStatus.PENDING, 0)
    await harness.stop_bot()
    assert notices_received(harness) == []

    await harness.start_bot()  # a new Application on the same database
    notice = await referent.expect(NOTICE, timeout=10)
    assert PLESSO_MILANO in notice.content
    item = await settled(harness, lambda n: n.status is OutboxStatus.SENT)
    assert item.attempts == 1
    await asyncio.sleep(0.2)
    assert len(notices_received(harness)) == 1


async def test_a_blocked_referent_is_marked_and_not_tried_again(
    harness: Harness, admin: ChatUser, referent: ChatUser
) -> None:
    await referent.block()
    await revoke(admin)
    await admin.expect("Accesso revocato")
    item = await settled(harness, lambda n: n.status is not OutboxStatus.PENDING)
    assert (item.status, item.attempts, item.last_error) == (OutboxStatus.UNREACHABLE, 1, "blocked")
    assert await referent_id(harness) in await harness.svc.reminders.unreachable_ids()
    calls = harness.emulator.stats.calls["sendMessage"]
    harness.clock.advance(hours=2)
    await run_the_minute_job(harness)
    assert harness.emulator.stats.calls["sendMessage"] == calls  # not tried again
    assert (await stored(harness))[0].attempts == 1
    await referent.unblock()
    assert notices_received(harness) == []
