"""Conversation fuzzing: random sequences of updates from several people, against the real
application over HTTP.

Text of any unicode (4,096 characters too, zero-width and right-to-left marks, markup and
SQL), commands in the middle of flows, stickers, photos, voice, documents of any kind,
presses of fresh, stale and foreign buttons, edited messages. After every action: it was
answered. After every sequence: nothing unhandled, closed cases untouched, the counters agree,
nobody was shown data of a plesso or an ATS not theirs.

SENTINELLA_FUZZ_EXAMPLES sets how many sequences run (default 30, a few seconds).
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from typing import cast

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.harness import Harness
from tests.reliability.figures import FIGURES
from tests.reliability.handlers import commands, registered
from tests.reliability.test_authorization_matrix import FAILURES, app_of
from tests.reliability.world import (
    PEOPLE,
    PLESSO_A,
    PLESSO_B,
    ErrorLog,
    Person,
    World,
    bot_events,
    idle,
    leaks,
    settle,
    visible_text,
)
from tests.unit.test_cases_rules import TEACHER_CF

EXAMPLES = int(os.environ.get("SENTINELLA_FUZZ_EXAMPLES", "30"))
SHRINK = os.environ.get("SENTINELLA_FUZZ_SHRINK") == "1"
ACTORS = (
    "referent_a",
    "referent_a",
    "referent_b",
    "admin_a",
    "admin_other_ats",
    "stranger",
    "revoked",
)

# Answers that move the flows on (so the fuzzing reaches the deep steps and the saves).
PLAUSIBLE = [
    "3",
    "B",
    "1A",
    "Rossi",
    "D'Angelo",
    "Luca",
    "Maria Rossi",
    "347 1234567",
    "maria@scuola.example.it",
    "Milano",
    "Lodi",
    "ieri",
    "oggi",
    "16/11/2026",
    "02/03/2015",
    "250",
    "12",
    "0",
    "3",
    "MIEE8AB01T",
    "MIMM8AB01V",
    "ATS-MILANO",
    "01/12/2026",
    "05/12/2026",
    "Ponte dell'Immacolata",
]
CODICI_FISCALI = {"referent_a": "BNCLCU15C02F205O", "referent_b": TEACHER_CF}
TRICKY = [
    "<b>grassetto</b>",
    "&amp; &lt;",
    "<",
    "&",
    "*bold* _it_ `code` ```pre```",
    "[link](x)",
    "Robert'); DROP TABLE cases;--",
    "1 OR 1=1",
    "' OR ''='",
    "\u200b",
    "Ros\u200bsi",
    "\u202eissoR",
    "\u200fמשה",
    "مرحبا",
    "🙂" * 30,
    "\x00\x01\x02",
    "\\",
    "%s %d {0} {name}",
    "/",
    "/ nuovocaso",
    "/nuovocaso@SentinellaTestBot",
    "/caso -1",
    "/caso 99999999999999",
    "/assenze 31/02",
    "/start " + "A" * 64,
    "/invita ../../etc/passwd",
]
FILE_NAMES = ["plessi.csv", "foto.jpg", "dati.xlsx", "vuoto", "a.exe", "relazione.pdf", "x.csv"]


def _long(seed: str) -> str:
    return (seed * (4096 // max(len(seed), 1) + 1))[:4096]


texts = st.one_of(
    st.sampled_from(PLAUSIBLE),
    st.sampled_from(TRICKY),
    st.text(min_size=1, max_size=60),
    st.text(min_size=1, max_size=8).map(_long),
).filter(lambda text: text.strip() != "")


@dataclass(frozen=True)
class Action:
    actor: str
    kind: str
    value: object = None


def actions(command_names: list[str]) -> st.SearchStrategy[Action]:
    actor = st.sampled_from(ACTORS)
    return st.one_of(
        st.builds(Action, actor, st.just("text"), texts),
        st.builds(Action, actor, st.just("plausible"), st.sampled_from(PLAUSIBLE)),
        st.builds(Action, actor, st.just("cf")),
        st.builds(
            Action,
            actor,
            st.just("command"),
            st.tuples(
                st.sampled_from(command_names),
                st.sampled_from(["", "1", "2", "3", PLESSO_A, PLESSO_B, "x", "ATS-MILANO"]),
            ),
        ),
        st.builds(Action, actor, st.just("tap"), st.integers(0, 30)),
        st.builds(Action, actor, st.just("tap"), st.integers(0, 30)),
        st.builds(Action, actor, st.just("tap"), st.integers(0, 30)),
        st.builds(Action, actor, st.just("stale"), st.integers(0, 1000)),
        st.builds(Action, actor, st.just("foreign"), st.integers(0, 1000)),
        st.builds(Action, actor, st.just("edit"), texts),
        st.builds(Action, actor, st.just("sticker")),
        st.builds(Action, actor, st.just("photo"), st.binary(max_size=64)),
        st.builds(Action, actor, st.just("voice")),
        st.builds(
            Action,
            actor,
            st.just("document"),
            st.tuples(
                st.sampled_from(FILE_NAMES),
                st.binary(max_size=300),
                st.sampled_from([None, "text/csv", "image/png", "application/zip"]),
            ),
        ),
    )


# --- whole flows, with noise between their steps ----------------------------------------------

CLASS_NAMES = st.sampled_from(["3", "1A", "3<b>", "2 & 3", "<i>5</i>", "4*_`", "1' OR '1"])
SECTIONS = st.sampled_from(["B", "A&B", "<C>", "D_*", "E`", "</b>"])
SURNAMES = st.one_of(
    st.sampled_from(["D'Angelo", "Müller-Lüdenscheidt", "Nguyễn", "Ζαχαρίου", "Dell'Acqua"]),
    st.text(st.characters(categories=["Lu", "Ll"]), min_size=1, max_size=20),
)
NOTES = st.sampled_from(["<Ponte & C>", "Festa *patronale* _2026_", "`x`", "a < b > c &"])
CASE_PEOPLE = {  # codice fiscale, role button, birth date button
    "referent_a": ("BNCLCU15C02F205O", "Studente", "02/03/2015"),
    "referent_b": (TEACHER_CF, "Docente", "10/05/1980"),
}


def _say(actor: str, values: st.SearchStrategy[str]) -> st.SearchStrategy[Action]:
    return st.builds(Action, st.just(actor), st.just("plausible"), values)


def _tap(actor: str, label: str) -> st.SearchStrategy[Action]:
    return st.just(Action(actor, "tap_label", label))


def _case(actor: str) -> list[st.SearchStrategy[Action]]:
    cf, role, _birth = CASE_PEOPLE[actor]
    say, tap = (lambda values: _say(actor, values)), (lambda label: _tap(actor, label))
    return [
        say(st.just("/nuovocaso")),
        say(CLASS_NAMES),
        say(SECTIONS),
        tap(role),
        say(SURNAMES),
        say(SURNAMES),
        say(st.just(cf)),
        tap("Continua comunque"),
        tap("Il codice è giusto"),  # random surnames: the code's letters rarely match
        say(st.just("Milano")),
        say(st.just("347 1234567")),
        tap("Ieri"),
        tap("Non nota"),
        tap("Non nota"),
        tap("Salva"),
    ]


def _closure(actor: str) -> list[st.SearchStrategy[Action]]:
    say, tap = (lambda values: _say(actor, values)), (lambda label: _tap(actor, label))
    return [
        say(st.just("/chiusure")),
        tap("Aggiungi"),
        tap("Tutta l'ATS"),
        say(st.just("01/12/2026")),
        say(st.just("05/12/2026")),
        say(NOTES),
        tap("Conferma"),
    ]


def _absences(actor: str) -> list[st.SearchStrategy[Action]]:
    say, tap = (lambda values: _say(actor, values)), (lambda label: _tap(actor, label))
    return [
        say(st.just("/assenze")),
        say(st.just("290")),
        say(st.just("14")),
        tap("Conferma"),
        say(st.sampled_from(["12", "0", "291", "-1"])),
        tap("Non lo sappiamo"),
    ]


def _enrolment(actor: str) -> list[st.SearchStrategy[Action]]:
    say, tap = (lambda values: _say(actor, values)), (lambda label: _tap(actor, label))
    return [say(st.just("/iscritti")), say(st.just("250")), say(st.just("12")), tap("Conferma")]


def scripts(noise: st.SearchStrategy[Action]) -> st.SearchStrategy[list[Action]]:
    flows = [
        _case("referent_a"),
        _case("referent_b"),
        _closure("admin_a"),
        _closure("admin_other_ats"),
        _absences("referent_a"),
        _enrolment("referent_b"),
    ]

    def with_noise(steps: list[st.SearchStrategy[Action]]) -> st.SearchStrategy[list[Action]]:
        paired = [st.tuples(st.lists(noise, max_size=1), step) for step in steps]
        return st.tuples(*paired).map(
            lambda pairs: [a for before, step in pairs for a in (*before, step)]
        )

    return st.one_of(*(with_noise(steps) for steps in flows))


def sequences(command_names: list[str]) -> st.SearchStrategy[list[Action]]:
    single = actions(command_names)
    chunk = st.one_of(single.map(lambda action: [action]), scripts(single))
    return st.lists(chunk, min_size=1, max_size=5).map(
        lambda chunks: [action for part in chunks for action in part]
    )


class Player:
    """Plays actions on the emulator as the people of the world, and checks each answer."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.harness: Harness = world.harness
        self.emulator = world.harness.emulator
        self.pushed = 0

    def _all_button_data(self, user_id: int) -> list[str]:
        data: list[str] = []
        for message in self.emulator.messages(user_id):
            for keyboard in [*message.markup_history, message.reply_markup]:
                data.extend(
                    b.data for row in keyboard for b in row if b.data and not message.is_link(b)
                )
        return data

    def _last_text_message(self, user_id: int) -> int | None:
        texts_sent = [m for m in self.emulator.user_messages(user_id) if "text" in m]
        return texts_sent[-1]["message_id"] if texts_sent else None

    async def play(self, action: Action) -> str | None:
        """Perform `action`; None when it could not apply (no button to press...)."""
        person = self.world.person(action.actor)
        uid = person.user_id
        emulator = self.emulator
        query: str | None = None
        if action.kind in ("text", "plausible"):
            emulator.send_text(uid, str(action.value))
        elif action.kind == "cf":
            emulator.send_text(uid, CODICI_FISCALI.get(action.actor, "RSSMRA80A01F205X"))
        elif action.kind == "command":
            name, argument = cast("tuple[str, str]", action.value)
            emulator.send_text(uid, f"/{name} {argument}".strip())
        elif action.kind == "tap_label":
            message = next((m for m in emulator.recent_messages(uid) if m.buttons), None)
            button = message.find_button(str(action.value)) if message is not None else None
            if message is None or button is None:
                return None  # the flow went elsewhere (noise): the next steps may still fit
            query = emulator.press_button(uid, message.message_id, button.data)
        elif action.kind == "tap":
            message = next((m for m in emulator.recent_messages(uid) if m.buttons), None)
            if message is None:
                return None
            buttons = [b for b in message.buttons if not message.is_link(b)]
            if not buttons:
                return None
            button = buttons[int(action.value) % len(buttons)]  # type: ignore[call-overload]
            query = emulator.press_button(uid, message.message_id, button.data)
        elif action.kind in ("stale", "foreign"):
            others = [p.user_id for p in PEOPLE if p.user_id != uid]
            pick = int(action.value)  # type: ignore[call-overload]
            source = uid if action.kind == "stale" else others[pick % len(others)]
            data = self._all_button_data(source)
            if not data:
                return None
            last = emulator.last_message(uid)
            query = emulator.forge_callback(
                uid, last.message_id if last else 1, data[pick % len(data)]
            )
        elif action.kind == "edit":
            message_id = self._last_text_message(uid)
            if message_id is None:
                return None
            emulator.edit_text(uid, message_id, str(action.value))
        elif action.kind == "sticker":
            emulator.send_sticker(uid)
        elif action.kind == "photo":
            emulator.send_photo(uid, bytes(cast(bytes, action.value)) or b"\xff\xd8")
        elif action.kind == "voice":
            emulator.send_voice(uid)
        elif action.kind == "document":
            name, content, mime = cast("tuple[str, bytes, str | None]", action.value)
            emulator.send_document(uid, name, content or b"\n", mime)
        return query or ""

    async def step(self, action: Action) -> list[str]:
        person = self.world.person(action.actor)
        start, seq = await idle(self.harness), self.emulator.seq
        query = await self.play(action)
        if query is None:
            return []
        self.pushed += 1
        await settle(self.harness, 1, start)
        events = bot_events(self.harness, person.user_id, seq)
        problems = []
        what = f"{action.kind} {str(action.value)[:60]!r} by {action.actor}"
        if query:
            if query not in self.emulator.callback_answers:
                problems.append(f"{what}: the tap was not answered")
        elif not any(e.kind == "sent" for e in events):
            problems.append(f"{what}: no answer")
        shown = visible_text(events)
        problems.extend(f"{what}: failed: {shown[:300]!r}" for f in FAILURES if f in shown)
        return problems


def _closed_rows(database: object) -> list[tuple[object, ...]]:
    """Every closed case and its contacts, as stored: nothing may change them any more."""
    with closing(sqlite3.connect(str(database))) as conn:
        rows = conn.execute("SELECT * FROM cases WHERE status = 'closed' ORDER BY id").fetchall()
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "contacts" in tables:
            rows += conn.execute(
                "SELECT * FROM contacts WHERE case_id IN"
                " (SELECT id FROM cases WHERE status = 'closed') ORDER BY id"
            ).fetchall()
    return rows


def _counter_problems(database: object) -> list[str]:
    """Counters that must agree with the records they count."""
    problems = []
    with closing(sqlite3.connect(str(database))) as conn:
        cases = conn.execute("SELECT COUNT(*) FROM cases").fetchone()[0]
        created = conn.execute(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'case.create'"
        ).fetchone()[0]
        if cases != created:
            problems.append(f"{cases} cases but {created} case.create audit rows")
        for case_id, version in conn.execute("SELECT id, version FROM cases"):
            updates = conn.execute(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'case.update' AND entity_id = ?",
                (str(case_id),),
            ).fetchone()[0]
            if version != 1 + updates:
                problems.append(f"case {case_id}: version {version}, {updates} updates audited")
        absences = conn.execute("SELECT COUNT(*) FROM absences").fetchone()[0]
        recorded = conn.execute(
            "SELECT COUNT(DISTINCT entity_id) FROM audit_log WHERE entity = 'absence'"
        ).fetchone()[0]
        if recorded and absences != recorded:
            problems.append(f"{absences} absence figures but {recorded} audited")
        if conn.execute("PRAGMA foreign_key_check").fetchall():
            problems.append("foreign keys broken")
    return problems


def _regrant(database: object) -> None:
    """An admin may have revoked referent A or B during the last sequence: give it back."""
    with closing(sqlite3.connect(str(database))) as conn, conn:
        conn.execute(
            "UPDATE referent_plessi SET revoked_at = NULL WHERE plesso_code IN (?, ?)"
            " AND referent_id IN (SELECT id FROM referents WHERE telegram_user_id IN (300, 302))",
            (PLESSO_A, PLESSO_B),
        )


def _everything_shown(world: World, person: Person) -> str:
    return visible_text(bot_events(world.harness, person.user_id, 0))


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate, *([Phase.shrink] if SHRINK else [])],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
@given(data=st.data())
async def test_random_conversations_keep_every_invariant(
    world: World, errors: ErrorLog, data: st.DataObject
) -> None:
    """One example = one sequence; the bot and its database carry over to the next one."""
    database = world.harness.settings.database_path
    closed_before = _closed_rows(database)  # the world's closed case, and any closed since
    assert closed_before
    command_names = sorted({c for e in registered(app_of(world.harness)) for c in commands(e)})
    steps = data.draw(sequences(command_names), label="steps")
    _regrant(database)
    player = Player(world)
    problems: list[str] = []
    for action in steps:
        problems.extend(await player.step(action))
    FIGURES.sequences += 1
    assert problems == [], "\n".join(problems)
    assert errors.unhandled == [], errors.unhandled
    assert [r.getMessage() for r in errors.records if "database" in r.getMessage()] == []
    changed = set(closed_before) - set(_closed_rows(database))  # new closings may add rows
    assert not changed, f"closed records changed: {changed}"
    assert _counter_problems(database) == []
    assert world.harness.emulator.unanswered_callbacks() == []
    for person in PEOPLE:
        shown = leaks(_everything_shown(world, person), world.forbidden_for(person))
        assert shown == [], f"{person.key} was shown {shown}"
    FIGURES.records += len(closed_before) + len(PEOPLE) + 3
