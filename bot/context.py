"""What every handler can reach: the services (settings, repositories, clock) and the actor."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.clock import system_clock
from bot.settings import Settings
from domain.access import Actor
from services.unit_of_work import UnitOfWork
from storage.db import Database

Clock = Callable[[], datetime]


class Services(UnitOfWork):
    """The unit of work of the application's database, with the settings and the clock."""

    def __init__(self, settings: Settings, db: Database, clock: Clock = system_clock) -> None:
        super().__init__(db, absence_start_date=settings.absence_start_date, timezone=settings.tz)
        self.settings = settings
        self.clock = clock

    def now(self) -> datetime:
        """The current moment, aware, from the injected clock (tests set it)."""
        return self.clock()

    def local_now(self) -> datetime:
        return self.clock().astimezone(self.settings.tz)


SERVICES_KEY = "services"


def services_of(application: Application[Any, Any, Any, Any, Any, Any]) -> Services:
    """The services the application factory put in `bot_data` (jobs reach them this way)."""
    services = application.bot_data[SERVICES_KEY]
    assert isinstance(services, Services)
    return services


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with our services and the actor resolved for this update."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self._actor: Actor | None = None
        # Flows ended by the command of this update (see bot.flows.abandon_all).
        self.abandoned_flows: list[str] = []

    @property
    def services(self) -> Services:
        return services_of(self.application)

    @property
    def actor(self) -> Actor:
        if self._actor is None:
            raise RuntimeError("access control did not run for this update")
        return self._actor

    @actor.setter
    def actor(self, value: Actor) -> None:
        self._actor = value


BotApplication = Application[Any, BotContext, Any, Any, Any, Any]
ApplicationFactory = Callable[[Services], BotApplication]
