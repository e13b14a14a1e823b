"""The unit of work: every repository over one database, and the transaction a use case runs in.

A use case opens one transaction (`async with uow.transaction():`) and calls any repository
inside it; each repository method joins that transaction (storage.db's transaction is
re-entrant within a task), so the whole action commits or rolls back as one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from zoneinfo import ZoneInfo

from storage.absences import AbsencesRepository, ClosuresRepository, EnrolmentsRepository
from storage.ats import AtsRepository
from storage.ats_status import AtsStatusRepository
from storage.audit import AuditRepository
from storage.broadcasts import BroadcastsRepository
from storage.cases import CasesRepository
from storage.citizens import CitizensRepository
from storage.closing import ClosingRepository
from storage.contacts import ContactsRepository
from storage.conversations import ConversationStore
from storage.db import Database
from storage.exports import ExportsRepository
from storage.notices import NoticesRepository
from storage.registry import InvitationsRepository, PlessiRepository, ReferentsRepository
from storage.reminders import ReminderLogRepository
from storage.retention import RetentionRepository
from storage.senthome import SentHomeRepository
from storage.swabs import SwabsRepository
from storage.updates import ProcessedUpdates
from storage.vaccines import VaccinesRepository


class UnitOfWork:
    """The repositories, built once per database (the application keeps one)."""

    def __init__(self, db: Database, *, absence_start_date: date | None, timezone: ZoneInfo):
        self.db = db
        self.plessi = PlessiRepository(db)
        self.referents = ReferentsRepository(db)
        self.invitations = InvitationsRepository(db)
        self.conversations = ConversationStore(db)
        self.audit = AuditRepository(db)
        self.cases = CasesRepository(db)
        self.contacts = ContactsRepository(db)
        self.closing = ClosingRepository(db)
        self.notices = NoticesRepository(db)
        self.enrolments = EnrolmentsRepository(db)
        self.closures = ClosuresRepository(db, start_date=absence_start_date, timezone=timezone)
        self.absences = AbsencesRepository(db, self.closures)
        self.reminders = ReminderLogRepository(db)
        self.updates = ProcessedUpdates(db)
        self.broadcasts = BroadcastsRepository(db)
        self.exports = ExportsRepository(db)
        self.retention = RetentionRepository(db)
        self.ats = AtsRepository(db)
        self.ats_status = AtsStatusRepository(db)
        self.citizens = CitizensRepository(db)
        self.sent_home = SentHomeRepository(db)
        self.vaccines = VaccinesRepository(db)
        self.swabs = SwabsRepository(db)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """One transaction for a whole use case: all of it commits, or none of it."""
        async with self.db.transaction():
            yield
