"""/esporta's and /avviso's typed drafts read what the dict drafts stored before them, and
the ATS desk's buttons carry the same bytes as before (buttons already in admins' chats)."""

from __future__ import annotations

from datetime import date

from conversations.ats import broadcast, export, log
from domain.broadcast import Audience
from domain.exports import ExportFormat, ExportKind, Period, PeriodChoice


def test_an_export_draft_stored_as_a_dict_loads_and_dumps_the_same_keys() -> None:
    stored = {"kind": "casi", "start": "2026-11-02", "end": "2026-11-17", "_personal": [1]}
    draft = export.ExportDraft.load(stored)
    assert draft.chosen_kind() is ExportKind.CASES
    assert draft.period == Period(date(2026, 11, 2), date(2026, 11, 17))
    assert draft.dump() == {"kind": "casi", "start": "2026-11-02", "end": "2026-11-17"}


def test_a_registry_export_has_no_period() -> None:
    draft = export.ExportDraft.load({"kind": "anagrafe"})
    assert draft.chosen_kind() is ExportKind.REGISTRY and draft.period is None
    assert export.ExportDraft.load({"kind": "casi", "start": "2026-11-02"}).period is None


def test_a_broadcast_draft_stored_as_a_dict_loads_and_dumps_the_same_keys() -> None:
    stored = {"scope": None, "audience": "sentinel", "text": "Ciao <b>", "key": "abcDEF123_-x"}
    draft = broadcast.BroadcastDraft.load(stored)
    assert draft.scope is None and draft.chosen_audience() is Audience.SENTINEL
    assert draft.typed_text() == "Ciao <b>" and draft.key == "abcDEF123_-x"
    assert draft.dump() == stored
    assert broadcast.BroadcastDraft.load({"scope": "ATS-MILANO"}).audience is None


def test_the_buttons_carry_the_same_data_as_before() -> None:
    assert export.BUTTONS.data(export.KIND, ExportKind.ABSENCES) == "exp:k:assenze"
    assert export.BUTTONS.data(export.PERIOD, PeriodChoice.LAST_30_DAYS) == "exp:p:30giorni"
    assert export.BUTTONS.data(export.FORMAT, ExportFormat.CSV) == "exp:f:csv"
    assert broadcast.BUTTONS.data(broadcast.AUDIENCE, Audience.ALL) == "bc:aud:all"
    assert broadcast.BUTTONS.data(broadcast.SEND, "abcDEF123_-x") == "bc:ok:abcDEF123_-x"
    assert (broadcast.EDIT, broadcast.CANCEL) == ("bc:edit", "bc:no")
    assert log.REFERENTS.raw() == "rgr"
    assert log.CASE.raw(12, 0) == "rgc:12:0"
    assert log.PLESSO.raw("MIEE8AB01T", 2) == "rgp:MIEE8AB01T:2"
    assert log.REFERENT.raw(45, 1) == "rgf:45:1"
    assert log.ATS.raw("all", 0) == "rga:all:0"
