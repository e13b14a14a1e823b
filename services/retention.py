"""/conservazione's use case (admins): what the daily retention run will delete of an ATS
(every ATS for a regional admin) in its next runs, and what the last one deleted. Counts
only, never who. The run itself is `reminders.retention`'s job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from domain.retention import FORECAST_RUNS, Batch, LastRun, forecast, horizon, run_moments
from services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class RetentionOutlook:
    """The next FORECAST_RUNS runs (the first is the next one) and the last run that
    deleted something (None: none yet)."""

    batches: list[Batch]
    last: LastRun | None


async def retention_outlook(
    uow: UnitOfWork,
    ats_code: str | None,
    now: datetime,
    *,
    run_time: time,
    days: int,
    tz: ZoneInfo,
) -> RetentionOutlook:
    runs = run_moments(now, run_time, tz, FORECAST_RUNS)
    closed = await uow.retention.closed_before(ats_code, horizon(runs, days, tz))
    batches = forecast(closed, runs, days, tz)
    return RetentionOutlook(batches=batches, last=await uow.retention.last_run(ats_code))
