"""Where every background job goes: the application's JobQueue (python-telegram-bot's, with
APScheduler underneath), which each module's `install` asks for here."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, JobQueue

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def job_queue(application: AnyApplication) -> JobQueue[Any]:
    """The application's JobQueue; without one (PTB installed without its job-queue extra)
    the bot must not start, since its reminders and deliveries would silently never run."""
    queue: JobQueue[Any] | None = application.job_queue
    if queue is None:
        raise RuntimeError("the JobQueue is missing: install python-telegram-bot[job-queue]")
    return queue
