"""The handlers, one subpackage per feature; `registered_handlers` is what the application
registers, in order (order matters: python-telegram-bot runs the first handler of a group
that matches an update)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler

from bot.context import BotContext
from conversations import vaccines
from conversations.absences import closures, enrolment, record
from conversations.ats import (
    broadcast,
    export,
    isolations,
    log,
    referents,
    report,
    retention,
    schools,
    status,
)
from conversations.ats import cases as ats_cases
from conversations.ats import reminders as ats_reminders
from conversations.cases import close, form, lists
from conversations.citizens import diary as citizen_diary
from conversations.citizens import household as citizen_household
from conversations.citizens import menu as citizen_menu
from conversations.citizens import signin as citizen_signin
from conversations.common import basics, onboarding, profile
from conversations.contacts import form as contact_form
from conversations.contacts import lists as contact_lists
from conversations.senthome import form as senthome_form
from conversations.senthome import lists as senthome_lists
from conversations.swabs import booking as swab_booking
from conversations.swabs import desk as swab_desk
from conversations.swabs import referral as swab_referral
from conversations.swabs import school_pass as swab_school_pass

AnyHandler = BaseHandler[Update, BotContext, Any]


def registered_handlers() -> list[AnyHandler]:
    return [
        basics.draft_buttons(),  # first: a flow at a step takes any other tap as stale
        # Before onboarding: it takes `/start <citizen token>`, onboarding every other /start.
        citizen_signin.build(),
        swab_referral.build(),  # `/start <referral token>` (issue 20)
        swab_desk.staff_link(),  # `/start <swab-point staff invitation>` (issue 20)
        onboarding.build(),
        # The citizen's menu before their flows: a menu button leaves the flow in progress.
        *citizen_menu.handlers(),
        citizen_diary.build(),
        citizen_household.build(),
        *citizen_household.handlers(),
        isolations.build(),
        *isolations.handlers(),
        profile.build(),
        # Swab booking (issue 20).
        *swab_desk.build(),
        *swab_desk.handlers(),
        *swab_booking.handlers(),
        *swab_referral.handlers(),
        *swab_school_pass.handlers(),
        schools.build(),
        *basics.handlers(),
        *referents.handlers(),
        enrolment.build(),
        record.build(),
        closures.build(),
        *closures.handlers(),
        form.build(),
        *ats_cases.handlers(),
        *lists.handlers(),
        *close.handlers(),
        contact_form.build(),
        *contact_lists.handlers(),
        senthome_form.build(),
        *senthome_lists.handlers(),
        *ats_reminders.handlers(),
        *report.handlers(),
        *status.handlers(),
        *log.handlers(),
        *retention.handlers(),
        broadcast.build(),
        export.build(),
        vaccines.build(),
        *vaccines.handlers(),
        *basics.last_resort_handlers(),
    ]
