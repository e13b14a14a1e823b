"""What every handler can reach: the services (settings, repositories, clock) and the actor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.clock import system_clock
from bot.settings import Settings
from domain.access import Actor
from storage.absences import AbsencesRepository, ClosuresRepository, EnrolmentsRepository
from storage.audit import AuditRepository
from storage.broadcasts import BroadcastsRepository
from storage.cases import CasesRepository
from storage.closing import ClosingRepository
from storage.contacts import ContactsRepository
from storage.conversations import ConversationStore
from storage.db import Database
from storage.exports import ExportsRepository
from storage.notices import NoticesRepository
from storage.registry import InvitationsRepository, PlessiRepository, ReferentsRepository
from storage.reminders import ReminderLogRepository
from storage.retention import RetentionRepository
from storage.updates import ProcessedUpdates

Clock = Callable[[], datetime]


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock = system_clock
    plessi: PlessiRepository = field(init=False)
    referents: ReferentsRepository = field(init=False)
    invitations: InvitationsRepository = field(init=False)
    conversations: ConversationStore = field(init=False)
    audit: AuditRepository = field(init=False)
    cases: CasesRepository = field(init=False)
    contacts: ContactsRepository = field(init=False)
    closing: ClosingRepository = field(init=False)
    notices: NoticesRepository = field(init=False)
    enrolments: EnrolmentsRepository = field(init=False)
    closures: ClosuresRepository = field(init=False)
    absences: AbsencesRepository = field(init=False)
    reminders: ReminderLogRepository = field(init=False)
    updates: ProcessedUpdates = field(init=False)
    broadcasts: BroadcastsRepository = field(init=False)
    exports: ExportsRepository = field(init=False)
    retention: RetentionRepository = field(init=False)

    def __post_init__(self) -> None:
        self.plessi = PlessiRepository(self.db)
        self.referents = ReferentsRepository(self.db)
        self.invitations = InvitationsRepository(self.db)
        self.conversations = ConversationStore(self.db)
        self.audit = AuditRepository(self.db)
        self.cases = CasesRepository(self.db)
        self.contacts = ContactsRepository(self.db)
        self.closing = ClosingRepository(self.db)
        self.notices = NoticesRepository(self.db)
        self.enrolments = EnrolmentsRepository(self.db)
        self.closures = ClosuresRepository(
            self.db, start_date=self.settings.absence_start_date, timezone=self.settings.tz
        )
        self.absences = AbsencesRepository(self.db, self.closures)
        self.reminders = ReminderLogRepository(self.db)
        self.updates = ProcessedUpdates(self.db)
        self.broadcasts = BroadcastsRepository(self.db)
        self.exports = ExportsRepository(self.db)
        self.retention = RetentionRepository(self.db)

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
