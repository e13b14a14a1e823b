"""Every background job asks reminders.scheduling for the JobQueue: without one the bot
refuses to start rather than silently never send a reminder."""

from __future__ import annotations

import pytest
from telegram.ext import ApplicationBuilder

from reminders.scheduling import job_queue


def test_the_job_queue_is_the_applications() -> None:
    application = ApplicationBuilder().token("123:abc").build()
    assert job_queue(application) is application.job_queue


@pytest.mark.filterwarnings("ignore:No `JobQueue` set up")
def test_an_application_without_a_job_queue_is_refused() -> None:
    application = ApplicationBuilder().token("123:abc").job_queue(None).build()
    with pytest.raises(RuntimeError, match=r"python-telegram-bot\[job-queue\]"):
        job_queue(application)
