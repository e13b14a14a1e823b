"""The database of "a year of data" (issue 9): two school years of a region, generated fast.

What it holds at scale 1 (every count is multiplied by `--scale`, the school calendar is not):

- 2,000 plessi in the 8 ATS of Lombardy, sized by population (ATS-MILANO about a third);
  infanzia, nido, primaria, secondaria di I e II grado, CFP; 10% of them sentinel (chosen
  among the primarie and secondarie, which count pupils aged 6-19), at least one per ATS.
- Referents as the invitations make them: a head teacher for each institute (1-4 plessi of
  one comune) and, for half the plessi, a teacher of that plesso; a few links revoked.
- The ATS-wide closures the ATS set: Christmas, Easter and the summer between the years.
- School years 2024/25 and 2025/26 up to NOW (Thursday 4 June 2026, 11:00): an enrolment
  figure per school year for every plesso with pupils aged 6-19 (some corrected mid-year),
  and the Tuesday/Thursday absences of the sentinel plessi on every recording day of the
  project's own calendar (`domain.calendar`), 96% of them recorded, a few corrected, with
  a winter swell and occasional outbreaks; the reminders the referents got for them.
- 50,000 closed cases over the two years (school days, two waves a winter), each with its
  receipt code and one sent hand-over per admin of its ATS; 1,000,000 contacts (20 a case
  on average: classmates of a pupil, a teacher's classes; 0 to 60), a third added one at a
  time with the form, the rest from a class list or a file; a few dozen cases still open
  (recent, some older than 48 hours) for /stato.
- The audit trail written as the real flows write it (storage/cases.py, contacts.py,
  closing.py, absences.py, registry.py), in time order: about half a million rows.

Rows are inserted with plain sqlite3 and executemany in big transactions, after the
project's migrations ran through `storage.db.Database`. Cases go in open, their contacts
after, then the closing UPDATE (migration 007's triggers refuse contacts of a closed case).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import random
import sqlite3
import time as clock
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import storage
from domain.calendar import Closure, SchoolCalendar
from domain.comuni import Comune, find_comune
from domain.invitations import ALPHABET
from storage.db import Database

ROME = ZoneInfo("Europe/Rome")
MIGRATIONS = Path(storage.__file__).with_name("migrations")
NOW = datetime(2026, 6, 4, 11, 0, tzinfo=ROME)  # a Thursday morning, end of the second year
SEED = 2026
REGIONAL_ADMIN = 99

# (first day, last day) of each school year's lessons; the second ends at NOW.
SCHOOL_YEARS = (
    (date(2024, 9, 12), date(2025, 6, 6)),
    (date(2025, 9, 12), NOW.date()),
)
ABSENCE_START = date(2024, 9, 17)  # ABSENCE_START_DATE: the first recording day
# The ATS-wide closures every ATS sets (start, end, note).
BREAKS = (
    (date(2024, 12, 23), date(2025, 1, 6), "Vacanze di Natale"),
    (date(2025, 4, 17), date(2025, 4, 22), "Vacanze di Pasqua"),
    (date(2025, 6, 7), date(2025, 9, 11), "Vacanze estive"),
    (date(2025, 12, 22), date(2026, 1, 6), "Vacanze di Natale"),
    (date(2026, 4, 2), date(2026, 4, 7), "Vacanze di Pasqua"),
)


@dataclass(frozen=True)
class Ats:
    code: str
    weight: float  # share of the region's plessi (by population)
    comuni: tuple[str, ...]
    admins: tuple[int, ...]  # Telegram user ids of its admins (ADMIN_IDS)


ATS_LIST = (
    Ats(
        "ATS-MILANO",
        0.345,
        ("Milano", "Lodi", "Sesto San Giovanni", "Cinisello Balsamo", "Legnano", "Rho", "Codogno"),
        (100, 103),
    ),
    Ats(
        "ATS-INSUBRIA",
        0.145,
        ("Varese", "Como", "Busto Arsizio", "Gallarate", "Saronno", "Cantù"),
        (104,),
    ),
    Ats("ATS-BRIANZA", 0.12, ("Monza", "Lecco", "Desio", "Seregno"), (105,)),
    Ats("ATS-BERGAMO", 0.11, ("Bergamo", "Treviglio"), (106,)),
    Ats("ATS-BRESCIA", 0.115, ("Brescia", "Chiari", "Lumezzane"), (107,)),
    Ats("ATS-VALPADANA", 0.077, ("Cremona", "Mantova", "Crema", "Casalmaggiore"), (102,)),
    Ats("ATS-PAVIA", 0.054, ("Pavia", "Vigevano", "Voghera"), (108,)),
    Ats("ATS-MONTAGNA", 0.034, ("Sondrio",), (109,)),
)


def admin_ids_setting() -> str:
    """ADMIN_IDS for these ATS: their admins, and one regional admin."""
    entries = [f"{user}:{ats.code}" for ats in ATS_LIST for user in ats.admins]
    return ",".join([*entries, str(REGIONAL_ADMIN)])


@dataclass(frozen=True)
class Sizes:
    plessi: int
    cases: int  # closed
    contacts: int  # of the closed cases
    open_cases: int

    @classmethod
    def for_scale(cls, scale: float) -> Sizes:
        return cls(
            plessi=max(len(ATS_LIST) * 2, round(2_000 * scale)),
            cases=max(20, round(50_000 * scale)),
            contacts=max(400, round(1_000_000 * scale)),
            open_cases=max(4, round(60 * scale)),
        )


# --- names, codes ---------------------------------------------------------------------------

SURNAMES = (
    "ROSSI",
    "RUSSO",
    "FERRARI",
    "ESPOSITO",
    "BIANCHI",
    "ROMANO",
    "COLOMBO",
    "RICCI",
    "MARINO",
    "GRECO",
    "BRUNO",
    "GALLO",
    "CONTI",
    "DE LUCA",
    "MANCINI",
    "COSTA",
    "GIORDANO",
    "RIZZO",
    "LOMBARDI",
    "MORETTI",
    "BARBIERI",
    "FONTANA",
    "SANTORO",
    "MARIANI",
    "RINALDI",
    "CARUSO",
    "FERRARA",
    "GALLI",
    "MARTINI",
    "LEONE",
    "LONGO",
    "GENTILE",
    "MARTINELLI",
    "VITALE",
    "LOMBARDO",
    "SERRA",
    "COPPOLA",
    "DE SANTIS",
    "D'ANGELO",
    "MARCHETTI",
    "PARISI",
    "VILLA",
    "CONTE",
    "FERRO",
    "FABBRI",
    "BIANCO",
    "MARINI",
    "GRASSO",
    "VALENTINI",
    "MESSINA",
    "SALA",
    "DE ANGELIS",
    "GATTI",
    "PELLEGRINI",
    "PALUMBO",
    "SANNA",
    "FARINA",
    "RIVA",
    "MONTI",
    "CATTANEO",
    "MORELLI",
    "AMATO",
    "SILVESTRI",
    "MAZZA",
    "TESTA",
    "GRASSI",
    "PELLEGRINO",
    "CARBONE",
    "GIULIANI",
    "BENEDETTI",
    "BARONE",
    "ROSSETTI",
    "CAPUTO",
    "MONTANARI",
    "GUERRA",
    "PALMIERI",
    "BERNARDI",
    "MARTINO",
    "FIORE",
    "DE ROSA",
    "FERRETTI",
    "BELLINI",
    "BASILE",
    "RIVA",
    "DONATI",
    "PIRAS",
    "VITALI",
    "BATTAGLIA",
    "SARTORI",
    "NERI",
    "COSTANTINI",
    "MILANI",
    "PAGANO",
    "RUGGIERO",
    "SORRENTINO",
    "D'AMICO",
    "ORLANDO",
    "DAMICO",
    "NEGRI",
)
MALE_NAMES = (
    "LEONARDO",
    "FRANCESCO",
    "ALESSANDRO",
    "LORENZO",
    "MATTIA",
    "TOMMASO",
    "GABRIELE",
    "ANDREA",
    "RICCARDO",
    "EDOARDO",
    "MATTEO",
    "GIUSEPPE",
    "NICOLO",
    "ANTONIO",
    "FEDERICO",
    "DIEGO",
    "DAVIDE",
    "CHRISTIAN",
    "GIOVANNI",
    "PIETRO",
    "SAMUELE",
    "MARCO",
    "LUCA",
    "FILIPPO",
    "ELIA",
    "EMANUELE",
    "MICHELE",
    "SIMONE",
    "PAOLO",
    "STEFANO",
    "GIACOMO",
)
FEMALE_NAMES = (
    "SOFIA",
    "GIULIA",
    "AURORA",
    "ALICE",
    "GINEVRA",
    "EMMA",
    "GIORGIA",
    "GRETA",
    "BEATRICE",
    "ANNA",
    "VITTORIA",
    "NOEMI",
    "MATILDE",
    "MARTINA",
    "CHIARA",
    "SARA",
    "ELISA",
    "FRANCESCA",
    "LUDOVICA",
    "ARIANNA",
    "REBECCA",
    "CAMILLA",
    "BIANCA",
    "NICOLE",
    "ELENA",
    "GAIA",
    "MARIA",
    "ELEONORA",
    "IRENE",
    "LAURA",
    "SILVIA",
)
STREETS = (
    "Via Roma",
    "Via Garibaldi",
    "Via Mazzini",
    "Via Verdi",
    "Corso Italia",
    "Via Dante",
    "Via Manzoni",
    "Viale Europa",
    "Via Marconi",
    "Via Cavour",
    "Via dei Mille",
    "Via Leopardi",
    "Via Vittorio Veneto",
    "Via XX Settembre",
    "Via San Francesco",
    "Piazza della Repubblica",
    "Via Volta",
    "Via Carducci",
    "Via Pascoli",
    "Via dei Tigli",
    "Via delle Betulle",
)
SCHOOL_NAMES = (
    "Don Milani",
    "Rodari",
    "Collodi",
    "Montessori",
    "Pascoli",
    "Manzoni",
    "Leonardo da Vinci",
    "Galilei",
    "Fermi",
    "Marconi",
    "Volta",
    "De Amicis",
    "Carducci",
    "Alighieri",
    "Deledda",
    "Arcobaleno",
    "Girasole",
    "Il Melograno",
    "Aldo Moro",
    "Falcone e Borsellino",
    "Einstein",
    "Parini",
    "Foscolo",
    "Ungaretti",
    "Calvino",
    "Levi Montalcini",
    "Sabin",
    "Curie",
)
BUBBLES = ("Girasoli", "Coccinelle", "Delfini", "Farfalle", "Scoiattoli", "Pulcini", "Orsetti")

# (school type, share of plessi, code letters, name prefix, classes, first class age)
SCHOOL_TYPES = (
    ("infanzia", 0.25, "AA", "Scuola dell'Infanzia", 3, 3),
    ("nido", 0.03, "NI", "Nido", 2, 1),
    ("primaria", 0.35, "EE", "Scuola Primaria", 5, 6),
    ("secondaria1", 0.20, "MM", "Scuola Secondaria di I grado", 3, 11),
    ("secondaria2", 0.15, "PS", "Istituto Superiore", 5, 14),
    ("cfp", 0.02, "CF", "Centro di Formazione Professionale", 3, 14),
)
WITH_PUPILS = frozenset({"primaria", "secondaria1", "secondaria2", "cfp"})  # aged 6-19
SENTINEL_TYPES = ("primaria", "secondaria1", "secondaria2")
PUPILS = {
    "primaria": (120, 550),
    "secondaria1": (180, 700),
    "secondaria2": (300, 1200),
    "cfp": (80, 300),
    "infanzia": (40, 160),
    "nido": (20, 60),
}

_MONTH_LETTERS = "ABCDEHLMPRST"
_ODD = dict(
    zip(
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        (
            1,
            0,
            5,
            7,
            9,
            13,
            15,
            17,
            19,
            21,
            1,
            0,
            5,
            7,
            9,
            13,
            15,
            17,
            19,
            21,
            2,
            4,
            18,
            20,
            11,
            3,
            6,
            8,
            12,
            14,
            16,
            10,
            22,
            25,
            24,
            23,
        ),
        strict=True,
    )
)
_EVEN = {
    c: (int(c) if c.isdigit() else ord(c) - ord("A"))
    for c in "0123456789" + _MONTH_LETTERS + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
}


def _letters(text: str) -> str:
    return "".join(c for c in text if "A" <= c <= "Z")


def _surname_part(surname: str) -> str:
    letters = _letters(surname)
    consonants = [c for c in letters if c not in "AEIOU"]
    vowels = [c for c in letters if c in "AEIOU"]
    return "".join([*consonants, *vowels, "X", "X", "X"])[:3]


def _name_part(name: str) -> str:
    letters = _letters(name)
    consonants = [c for c in letters if c not in "AEIOU"]
    if len(consonants) >= 4:
        return consonants[0] + consonants[2] + consonants[3]
    return _surname_part(name)


_SURNAME_CODES = {s: _surname_part(s) for s in SURNAMES}
_NAME_CODES = {n: _name_part(n) for n in (*MALE_NAMES, *FEMALE_NAMES)}


def codice_fiscale(surname: str, name: str, female: bool, born: date, place: str) -> str:
    """A well-formed code with its real check character (omocodia aside)."""
    day = born.day + (40 if female else 0)
    body = (
        f"{_SURNAME_CODES[surname]}{_NAME_CODES[name]}{born.year % 100:02d}"
        f"{_MONTH_LETTERS[born.month - 1]}{day:02d}{place}"
    )
    total = sum(_ODD[c] for c in body[0::2]) + sum(_EVEN[c] for c in body[1::2])
    return body + chr(ord("A") + total % 26)


def stamp(moment: datetime) -> str:
    """As storage.db.utc_now_text writes it."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def local(day: date, minutes: int) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ROME) + timedelta(minutes=minutes)


# --- the generator --------------------------------------------------------------------------

CASE_COLUMNS = (
    "id",
    "plesso_code",
    "status",
    "school_type",
    "class_name",
    "section",
    "referent_name",
    "referent_phone",
    "referent_email",
    "role",
    "surname",
    "name",
    "codice_fiscale",
    "birth_date",
    "comune_code",
    "comune_name",
    "comune_province",
    "phone1",
    "phone2",
    "last_attendance",
    "swab_date",
    "onset_date",
    "created_by",
    "created_at",
    "updated_by",
    "updated_at",
    "version",
)
CONTACT_COLUMNS = (
    "id",
    "case_id",
    "role",
    "class_name",
    "section",
    "surname",
    "name",
    "codice_fiscale",
    "birth_date",
    "comune_code",
    "comune_name",
    "comune_province",
    "address",
    "phone",
    "last_contact",
    "source",
    "created_by",
    "created_at",
    "updated_by",
    "updated_at",
    "version",
)


@dataclass
class PlessoRow:
    code: str
    name: str
    comune: Comune
    school_type: str
    ats: Ats
    sentinel: bool
    pupils: int
    classes: int
    referents: list[int] = field(default_factory=list)  # referent ids


@dataclass
class ReferentRow:
    id: int
    user_id: int
    full_name: str
    phone: str
    email: str


@dataclass
class Counts:
    """What was generated, for the benchmark's header."""

    plessi: int = 0
    sentinel: int = 0
    referents: int = 0
    cases: int = 0
    open_cases: int = 0
    contacts: int = 0
    absences: int = 0
    enrolments: int = 0
    audit_rows: int = 0
    outbox: int = 0
    reminders: int = 0
    seconds: float = 0.0
    size_mb: float = 0.0

    def as_dict(self) -> dict[str, float]:
        return dict(self.__dict__)


class Generator:
    def __init__(self, conn: sqlite3.Connection, sizes: Sizes, seed: int) -> None:
        self.conn = conn
        self.sizes = sizes
        self.rng = random.Random(seed)
        self.counts = Counts()
        self.plessi: list[PlessoRow] = []
        self.referents: dict[int, ReferentRow] = {}
        self.calendars: dict[str, SchoolCalendar] = {}
        self._audit: list[tuple[str, int, str, str, str, str, str]] = []
        self._audit_seq = 0
        self._user_ids: set[int] = set()
        self._receipts: set[str] = set()
        self.comuni = {ats.code: [self._comune(name) for name in ats.comuni] for ats in ATS_LIST}

    @staticmethod
    def _comune(name: str) -> Comune:
        found = find_comune(name)
        if found is None:
            raise RuntimeError(f"unknown comune {name}")
        return found

    # -- audit: staged in a temporary table, copied to audit_log in time order at the end --

    def audit(
        self,
        at: datetime,
        actor: int | None,
        action: str,
        entity: str,
        entity_id: object,
        details: dict[str, object] | None = None,
    ) -> None:
        self._audit_seq += 1
        self._audit.append(
            (
                stamp(at),
                self._audit_seq,
                "system" if actor is None else f"tg:{actor}",
                action,
                entity,
                str(entity_id),
                json.dumps(details or {}, sort_keys=True, default=str),
            )
        )
        if len(self._audit) >= 50_000:
            self._flush_audit()

    def _flush_audit(self) -> None:
        self.conn.executemany("INSERT INTO audit_stage VALUES (?, ?, ?, ?, ?, ?, ?)", self._audit)
        self._audit.clear()

    def _copy_audit(self) -> None:
        self._flush_audit()
        self.conn.execute(
            "INSERT INTO audit_log (at, actor, action, entity, entity_id, details)"
            " SELECT at, actor, action, entity, entity_id, details FROM audit_stage"
            " ORDER BY at, seq"
        )
        self.conn.execute("DROP TABLE audit_stage")
        row = self.conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()
        self.counts.audit_rows = int(row[0])

    # -- people --

    def person(self, female: bool | None = None) -> tuple[str, str, bool]:
        rng = self.rng
        is_female = rng.random() < 0.5 if female is None else female
        name = rng.choice(FEMALE_NAMES if is_female else MALE_NAMES)
        return rng.choice(SURNAMES), name, is_female

    def phone(self) -> str:
        return f"+393{self.rng.randrange(10**8, 10**9)}"

    def user_id(self) -> int:
        while True:
            candidate = self.rng.randrange(10**8, 8 * 10**9)
            if candidate not in self._user_ids:
                self._user_ids.add(candidate)
                return candidate

    def receipt(self) -> str:
        while True:
            raw = "".join(self.rng.choice(ALPHABET) for _ in range(8))
            code = f"{raw[:4]}-{raw[4:]}"
            if code not in self._receipts:
                self._receipts.add(code)
                return code

    # -- the steps --

    def run(self) -> Counts:
        self.conn.execute(
            "CREATE TEMP TABLE audit_stage (at TEXT, seq INTEGER, actor TEXT, action TEXT,"
            " entity TEXT, entity_id TEXT, details TEXT)"
        )
        steps: list[Callable[[], None]] = [
            self.make_plessi,
            self.make_referents,
            self.make_closures,
            self.make_enrolments,
            self.make_absences,
            self.make_cases,
            self.make_bookkeeping,
            self._copy_audit,
        ]
        for step in steps:
            self.conn.execute("BEGIN")
            step()
            self.conn.execute("COMMIT")
        return self.counts

    def make_plessi(self) -> None:
        rng = self.rng
        rows = []
        created = local(date(2024, 9, 2), 9 * 60)
        for ats_index, ats in enumerate(ATS_LIST):
            share = round(self.sizes.plessi * ats.weight)
            count = max(2, share)
            mine: list[PlessoRow] = []
            for number in range(count):
                kind = rng.choices(SCHOOL_TYPES, weights=[t[1] for t in SCHOOL_TYPES])[0]
                school_type, _, letters, prefix, classes, _ = kind
                comune = rng.choice(self.comuni[ats.code])
                # Province, type, then 6 characters: unique, and `^[A-Z]{4}[A-Z0-9]{6}$`.
                code = (
                    f"{comune.province}{letters}{ats_index}{number:04d}"
                    f"{'ABCDEFGHJKLMNPQRSTUVWXYZ'[number % 24]}"
                )
                low, high = PUPILS[school_type]
                pupils = rng.randint(low, high)
                sections = max(1, round(pupils / 22 / classes))
                plesso = PlessoRow(
                    code=code,
                    name=f"{prefix} {rng.choice(SCHOOL_NAMES)}",
                    comune=comune,
                    school_type=school_type,
                    ats=ats,
                    sentinel=False,
                    pupils=pupils,
                    classes=classes * sections,
                )
                mine.append(plesso)
            eligible = [p for p in mine if p.school_type in SENTINEL_TYPES] or mine
            for plesso in rng.sample(eligible, max(1, min(len(eligible), round(count * 0.10)))):
                plesso.sentinel = True
            self.plessi.extend(mine)
        for plesso in self.plessi:
            rows.append(
                (
                    plesso.code,
                    plesso.name,
                    plesso.comune.code,
                    plesso.comune.name,
                    plesso.comune.province,
                    f"{rng.choice(STREETS)} {rng.randint(1, 120)}",
                    plesso.school_type,
                    int(plesso.sentinel),
                    plesso.ats.code,
                    stamp(created),
                    stamp(created),
                )
            )
            self.audit(
                created,
                plesso.ats.admins[0],
                "plesso.create",
                "plesso",
                plesso.code,
                {"ats": plesso.ats.code},
            )
        self.conn.executemany(
            "INSERT INTO plessi (code, name, comune_code, comune_name, province, address,"
            " school_type, sentinel, ats_code, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        self.counts.plessi = len(self.plessi)
        self.counts.sentinel = sum(p.sentinel for p in self.plessi)

    def _new_referent(self, joined: datetime) -> ReferentRow:
        surname, name, _ = self.person()
        referent = ReferentRow(
            id=len(self.referents) + 1,
            user_id=self.user_id(),
            full_name=f"{name} {surname}",
            phone=self.phone(),
            email=f"{_letters(name).lower()}.{_letters(surname).lower()}@scuola.edu.it",
        )
        self.referents[referent.id] = referent
        self.conn.execute(
            "INSERT INTO referents (id, telegram_user_id, full_name, phone, email, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                referent.id,
                referent.user_id,
                referent.full_name,
                referent.phone,
                referent.email,
                stamp(joined),
                stamp(joined),
            ),
        )
        self.audit(joined, referent.user_id, "referent.create", "referent", referent.id)
        return referent

    def _link(self, referent: ReferentRow, plesso: PlessoRow, joined: datetime) -> None:
        rng = self.rng
        admin = plesso.ats.admins[0]
        invited = joined - timedelta(hours=rng.randint(1, 72))
        cursor = self.conn.execute(
            "INSERT INTO invitations (code_hash, plesso_code, created_by, created_at, expires_at,"
            " used_at, used_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                hashlib.sha256(f"{plesso.code}:{referent.id}:{rng.random()}".encode()).hexdigest(),
                plesso.code,
                admin,
                stamp(invited),
                stamp(invited + timedelta(days=7)),
                stamp(joined),
                referent.user_id,
            ),
        )
        invitation = cursor.lastrowid
        self.audit(
            invited, admin, "invitation.create", "plesso", plesso.code, {"invitation": invitation}
        )
        self.conn.execute(
            "INSERT INTO referent_plessi (referent_id, plesso_code, granted_at, last_used_at)"
            " VALUES (?, ?, ?, ?)",
            (referent.id, plesso.code, stamp(joined), stamp(joined)),
        )
        self.audit(
            joined,
            referent.user_id,
            "referent.join",
            "referent",
            referent.id,
            {"plesso": plesso.code, "invitation": invitation},
        )
        plesso.referents.append(referent.id)

    def make_referents(self) -> None:
        rng = self.rng
        by_place: dict[tuple[str, str], list[PlessoRow]] = {}
        for plesso in self.plessi:
            by_place.setdefault((plesso.ats.code, plesso.comune.code), []).append(plesso)
        for group in by_place.values():
            start = 0
            while start < len(group):
                size = rng.randint(1, 4)
                institute = group[start : start + size]
                start += size
                joined = local(
                    date(2024, 9, 3) + timedelta(days=rng.randint(0, 20)),
                    rng.randint(8 * 60, 18 * 60),
                )
                head = self._new_referent(joined)
                for plesso in institute:
                    self._link(head, plesso, joined + timedelta(minutes=rng.randint(1, 30)))
                for plesso in institute:
                    if rng.random() < 0.5:
                        teacher_joined = joined + timedelta(days=rng.randint(1, 40))
                        teacher = self._new_referent(teacher_joined)
                        self._link(teacher, plesso, teacher_joined + timedelta(minutes=2))
        # A few teachers moved to another school: their link is revoked.
        for plesso in rng.sample(self.plessi, max(1, len(self.plessi) // 50)):
            if len(plesso.referents) < 2:
                continue
            referent_id = plesso.referents.pop()
            revoked = local(date(2025, 9, 1) + timedelta(days=rng.randint(0, 10)), 10 * 60)
            self.conn.execute(
                "UPDATE referent_plessi SET revoked_at = ? WHERE referent_id = ?"
                " AND plesso_code = ?",
                (stamp(revoked), referent_id, plesso.code),
            )
            self.audit(
                revoked,
                plesso.ats.admins[0],
                "referent.revoke",
                "referent",
                referent_id,
                {"plesso": plesso.code},
            )
        self.counts.referents = len(self.referents)

    def make_closures(self) -> None:
        for ats in ATS_LIST:
            admin = ats.admins[0]
            closures: list[Closure] = []
            for start, end, note in BREAKS:
                created = local(start - timedelta(days=30), 11 * 60)
                cursor = self.conn.execute(
                    "INSERT INTO closures (ats_code, plesso_code, start_day, end_day, note,"
                    " created_by, created_at) VALUES (?, NULL, ?, ?, ?, ?, ?)",
                    (ats.code, start.isoformat(), end.isoformat(), note, admin, stamp(created)),
                )
                self.audit(
                    created,
                    admin,
                    "closure.create",
                    "closure",
                    cursor.lastrowid,
                    {
                        "ats": ats.code,
                        "plesso": None,
                        "start": start.isoformat(),
                        "end": end.isoformat(),
                    },
                )
                closures.append(Closure(start=start, end=end))
            self.calendars[ats.code] = SchoolCalendar(
                start_date=ABSENCE_START, timezone=ROME, closures=tuple(closures)
            )

    def make_enrolments(self) -> None:
        rng = self.rng
        rows = []
        for plesso in self.plessi:
            if plesso.school_type not in WITH_PUPILS:
                continue
            for first, _ in SCHOOL_YEARS:
                figures = [(first + timedelta(days=rng.randint(0, 12)), plesso.pupils)]
                if rng.random() < 0.1:  # a mid-year change
                    figures.append(
                        (
                            first + timedelta(days=rng.randint(60, 150)),
                            plesso.pupils + rng.randint(-15, 15),
                        )
                    )
                old: tuple[int, int] | None = None
                for valid_from, pupils in figures:
                    classes = max(1, min(pupils, plesso.classes))
                    recorded = local(valid_from, rng.randint(8 * 60, 17 * 60))
                    referent = self.referents[plesso.referents[0]]
                    rows.append(
                        (
                            plesso.code,
                            pupils,
                            classes,
                            valid_from.isoformat(),
                            first.year,
                            referent.user_id,
                            stamp(recorded),
                        )
                    )
                    self.audit(
                        recorded,
                        referent.user_id,
                        "enrolment.record",
                        "plesso",
                        plesso.code,
                        {
                            "enrolment": len(rows),
                            "valid_from": valid_from.isoformat(),
                            "pupils": pupils,
                            "classes": classes,
                            "old_pupils": old[0] if old else None,
                            "old_classes": old[1] if old else None,
                        },
                    )
                    old = (pupils, classes)
        self.conn.executemany(
            "INSERT INTO enrolments (id, plesso_code, pupils, classes, valid_from, school_year,"
            " recorded_by, recorded_at) VALUES (NULL, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        self.counts.enrolments = len(rows)

    def recording_days(self, ats: Ats) -> list[date]:
        calendar = self.calendars[ats.code]
        days: list[date] = []
        for first, last in SCHOOL_YEARS:
            days += calendar.recording_days_between(first, last)
        return days

    def make_absences(self) -> None:
        rng = self.rng
        rows = []
        reminders = []
        today = NOW.date()
        for plesso in self.plessi:
            if not plesso.sentinel:
                continue
            days = self.recording_days(plesso.ats)
            base = rng.uniform(0.02, 0.045)
            outbreaks = {rng.randrange(len(days)) for _ in range(rng.randint(0, 2))}
            boost = 0.0
            for index, day in enumerate(days):
                if index in outbreaks:
                    boost = rng.uniform(0.05, 0.10)
                boost = max(0.0, boost - 0.015)
                # Still to record this morning (NOW is 11:00 of a recording day), or missed.
                missing = rng.random() < (0.4 if day == today else 0.04)
                late = not missing and day != today and rng.random() < 0.1
                at = (
                    None
                    if missing
                    else local(
                        day + timedelta(days=1) if late else day, rng.randint(8 * 60, 13 * 60)
                    )
                )
                if at is not None and at > NOW:
                    at = NOW - timedelta(minutes=rng.randint(1, 60))
                if at is None or at > local(day, 10 * 60):
                    # Still missing at 10:00: the reminder went out (and the last call).
                    for referent_id in plesso.referents:
                        reminded = local(day, 10 * 60 + rng.randint(0, 3))
                        reminders.append(
                            (
                                referent_id,
                                plesso.code,
                                "absences",
                                day.isoformat(),
                                "",
                                "sent",
                                stamp(reminded),
                                stamp(reminded),
                            )
                        )
                        if day != today and (late or missing):
                            reminded = local(day + timedelta(days=1), 10 * 60 + 1)
                            reminders.append(
                                (
                                    referent_id,
                                    plesso.code,
                                    "last_call",
                                    day.isoformat(),
                                    "",
                                    "sent",
                                    stamp(reminded),
                                    stamp(reminded),
                                )
                            )
                if at is None:
                    continue
                season = (day - date(day.year if day.month < 7 else day.year + 1, 1, 25)).days
                rate = max(
                    0.0,
                    base * (1 + 0.8 * math.exp(-((season / 30) ** 2)))
                    + boost
                    + rng.gauss(0, 0.006),
                )
                absent = min(plesso.pupils, round(plesso.pupils * rate))
                ill = None if rng.random() < 0.3 else round(absent * rng.uniform(0.3, 0.8))
                referent = self.referents[rng.choice(plesso.referents)]
                self.audit(
                    at,
                    referent.user_id,
                    "absence.record",
                    "plesso",
                    plesso.code,
                    {"day": day.isoformat(), "absent": absent, "ill": ill},
                )
                updated = at
                if rng.random() < 0.03 and not late and day != today:  # corrected that day
                    updated = at + timedelta(hours=2)
                    old_absent, old_ill = absent, ill
                    absent = max(0, absent + rng.randint(-3, 3))
                    ill = None if ill is None else min(ill, absent)
                    self.audit(
                        updated,
                        referent.user_id,
                        "absence.correct",
                        "plesso",
                        plesso.code,
                        {
                            "day": day.isoformat(),
                            "absent": absent,
                            "ill": ill,
                            "old_absent": old_absent,
                            "old_ill": old_ill,
                        },
                    )
                rows.append(
                    (
                        plesso.code,
                        day.isoformat(),
                        day.weekday(),
                        absent,
                        ill,
                        referent.user_id,
                        stamp(at),
                        stamp(updated),
                    )
                )
        self.conn.executemany(
            "INSERT INTO absences (plesso_code, day, weekday, absent, ill, recorded_by,"
            " recorded_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        self.conn.executemany(
            "INSERT INTO reminder_log (referent_id, plesso_code, kind, day, ref, state,"
            " claimed_at, done_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            reminders,
        )
        self.counts.absences = len(rows)
        self.counts.reminders = len(reminders)

    # -- cases and contacts --

    def school_days(self) -> tuple[list[date], list[float]]:
        """Days a case can be reported, with two waves a winter as weights."""
        calendar = self.calendars[ATS_LIST[0].code]
        days: list[date] = []
        weights: list[float] = []
        for first, last in SCHOOL_YEARS:
            day = first
            while day < last - timedelta(days=6):
                if (
                    day.weekday() < 5
                    and not calendar.is_holiday(day)
                    and not any(start <= day <= end for start, end, _ in BREAKS)
                ):
                    autumn = date(first.year, 11, 15)
                    winter = date(first.year + 1, 1, 20)
                    weight = (
                        1
                        + 3 * math.exp(-(((day - autumn).days / 18) ** 2))
                        + 2.5 * math.exp(-(((day - winter).days / 22) ** 2))
                    )
                    days.append(day)
                    weights.append(weight)
                day += timedelta(days=1)
        return days, weights

    def contact_counts(self, roles: Sequence[str]) -> list[int]:
        """Contacts of each case by its role, then scaled to the target total exactly."""
        rng = self.rng
        counts: list[int] = []
        for role in roles:
            if role == "studente":
                counts.append(rng.randint(14, 28))
            elif role in ("docente", "sostegno"):
                counts.append(0 if rng.random() < 0.3 else rng.randint(20, 60))
            else:
                counts.append(rng.randint(0, 12))
        target = self.sizes.contacts
        factor = target / max(1, sum(counts))
        counts = [min(60, max(0, round(c * factor))) for c in counts]
        # One case in a hundred has exactly 50 (a teacher's classes): the benchmark opens one.
        fixed = set(range(len(counts) - 1, -1, -100))
        for index in fixed:
            counts[index] = 50
        free = [index for index in range(len(counts)) if index not in fixed]
        while sum(counts) != target:
            index = rng.choice(free)
            if sum(counts) < target and counts[index] < 60:
                counts[index] += 1
            elif sum(counts) > target and counts[index] > 0:
                counts[index] -= 1
        return counts

    def make_cases(self) -> None:
        rng = self.rng
        days, weights = self.school_days()
        weights_by_plesso = [p.pupils for p in self.plessi]
        total = self.sizes.cases
        created_days = sorted(rng.choices(days, weights=weights, k=total))
        plessi = rng.choices(self.plessi, weights=weights_by_plesso, k=total)
        roles = [self._case_role(p.school_type) for p in plessi]
        counts = self.contact_counts(roles)
        plan = [
            (local(day, rng.randint(8 * 60, 17 * 60)), plesso, role, count)
            for day, plesso, role, count in zip(created_days, plessi, roles, counts, strict=True)
        ]
        plan.sort(key=lambda item: item[0])
        # The open ones: reported in the last week, a few contacts each.
        for _ in range(self.sizes.open_cases):
            created = NOW - timedelta(hours=rng.randint(2, 24 * 7))
            plesso = rng.choice(self.plessi)
            plan.append((created, plesso, self._case_role(plesso.school_type), rng.randint(0, 20)))
        plan[total:] = sorted(plan[total:], key=lambda item: item[0])
        closings = []
        outbox = []
        contact_rows: list[tuple[object, ...]] = []
        contact_id = 0
        for case_id, (created, plesso, role, count) in enumerate(plan, start=1):
            is_closed = case_id <= total
            case_row, case_cf, last_attendance, referent = self._case_row(
                case_id, created, plesso, role
            )
            self.conn.execute(
                f"INSERT INTO cases ({', '.join(CASE_COLUMNS)})"
                f" VALUES ({', '.join('?' * len(CASE_COLUMNS))})",
                case_row,
            )
            self.audit(
                created, referent.user_id, "case.create", "case", case_id, {"plesso": plesso.code}
            )
            version = 1
            if rng.random() < 0.1:
                version = 2
                self.audit(
                    created + timedelta(minutes=rng.randint(5, 90)),
                    referent.user_id,
                    "case.update",
                    "case",
                    case_id,
                    {"plesso": plesso.code, "version": 2, "fields": ["telefono 1"]},
                )
            closed = min(
                created + timedelta(minutes=rng.randint(40, 3 * 24 * 60)),
                NOW - timedelta(minutes=5),
            )
            window_end = closed if is_closed else NOW - timedelta(minutes=1)
            rows, contact_id = self._contacts(
                case_id,
                contact_id,
                count,
                case_cf,
                case_row,
                last_attendance,
                created,
                window_end,
                referent,
                plesso,
            )
            added = len(rows)
            contact_rows += rows
            if len(contact_rows) >= 20_000:
                self._insert_contacts(contact_rows)
            if is_closed:
                receipt = self.receipt()
                closings.append((stamp(closed), receipt, referent.user_id, stamp(closed), case_id))
                admins = plesso.ats.admins
                for admin in admins:
                    sent = closed + timedelta(seconds=rng.randint(1, 20))
                    outbox.append(
                        (case_id, admin, "sent", 1, stamp(closed), stamp(closed), stamp(sent))
                    )
                self.audit(
                    closed,
                    referent.user_id,
                    "case.close",
                    "case",
                    case_id,
                    {"plesso": plesso.code, "contacts": added, "recipients": len(admins)},
                )
            if version == 2:
                self.conn.execute("UPDATE cases SET version = 2 WHERE id = ?", (case_id,))
        self._insert_contacts(contact_rows)
        self.conn.executemany(
            "UPDATE cases SET status = 'closed', closed_at = ?, receipt_code = ?,"
            " updated_by = ?, updated_at = ? WHERE id = ? AND status = 'open'",
            closings,
        )
        self.conn.executemany(
            "INSERT INTO ats_outbox (case_id, admin_user_id, status, attempts, next_attempt_at,"
            " created_at, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            outbox,
        )
        self.counts.cases = len(closings)
        self.counts.open_cases = len(plan) - len(closings)
        self.counts.contacts = contact_id
        self.counts.outbox = len(outbox)

    def _insert_contacts(self, rows: list[tuple[object, ...]]) -> None:
        self.conn.executemany(
            f"INSERT INTO contacts ({', '.join(CONTACT_COLUMNS)})"
            f" VALUES ({', '.join('?' * len(CONTACT_COLUMNS))})",
            rows,
        )
        rows.clear()

    def _case_role(self, school_type: str) -> str:
        roll = self.rng.random()
        if roll < 0.85:
            return "studente"
        if roll < 0.93:
            return "educatore" if school_type in ("nido", "infanzia") else "docente"
        if roll < 0.95:
            return "sostegno"
        return "personale"

    def _class_of(self, plesso: PlessoRow) -> tuple[str, str, int]:
        """Class, section and the age of its pupils."""
        rng = self.rng
        kind = next(t for t in SCHOOL_TYPES if t[0] == plesso.school_type)
        year = rng.randint(1, kind[4])
        if plesso.school_type in ("nido", "infanzia"):
            bubble = rng.choice(BUBBLES)
            return bubble, bubble, kind[5] + year - 1
        sections = max(1, min(7, plesso.classes // kind[4]))
        return str(year), "ABCDEFG"[rng.randrange(sections)], kind[5] + year - 1

    def _birth(self, age: int, on: date) -> date:
        born = on - timedelta(days=365 * age + self.rng.randint(0, 364))
        return born.replace(day=min(born.day, 28))

    def _case_row(
        self, case_id: int, created: datetime, plesso: PlessoRow, role: str
    ) -> tuple[tuple[object, ...], str, date, ReferentRow]:
        rng = self.rng
        referent = self.referents[rng.choice(plesso.referents)]
        class_name, section, age = self._class_of(plesso)
        if role != "studente":
            age = rng.randint(25, 63)
        surname, name, female = self.person()
        born = self._birth(age, created.date())
        comune = rng.choice(self.comuni[plesso.ats.code])
        cf = codice_fiscale(surname, name, female, born, comune.code)
        day = created.astimezone(ROME).date()
        last_attendance = day - timedelta(days=rng.randint(0, 3))
        if last_attendance.weekday() >= 5:
            last_attendance -= timedelta(days=last_attendance.weekday() - 4)
        first_day = next(first for first, last in SCHOOL_YEARS if first <= day <= last)
        last_attendance = max(last_attendance, first_day)
        swab = min(day, last_attendance + timedelta(days=rng.randint(0, 2)))
        onset = last_attendance - timedelta(days=1) if rng.random() < 0.4 else None
        row = (
            case_id,
            plesso.code,
            "open",
            plesso.school_type,
            class_name,
            section,
            referent.full_name,
            referent.phone,
            referent.email,
            role,
            surname,
            name,
            cf,
            born.isoformat(),
            comune.code,
            comune.name,
            comune.province,
            self.phone(),
            self.phone() if rng.random() < 0.3 else None,
            last_attendance.isoformat(),
            swab.isoformat(),
            onset.isoformat() if onset else None,
            referent.user_id,
            stamp(created),
            referent.user_id,
            stamp(created),
            1,
        )
        return row, cf, last_attendance, referent

    def _contacts(
        self,
        case_id: int,
        next_id: int,
        count: int,
        case_cf: str,
        case_row: tuple[object, ...],
        last_attendance: date,
        created: datetime,
        window_end: datetime,
        referent: ReferentRow,
        plesso: PlessoRow,
    ) -> tuple[list[tuple[object, ...]], int]:
        rng = self.rng
        class_name, section = str(case_row[4]), str(case_row[5])
        age = _age_of(class_name, plesso.school_type)
        by_form = count <= 6 or rng.random() < 0.3
        source = "form" if by_form else rng.choice(("list", "file", "file"))
        seen = {case_cf}
        rows: list[tuple[object, ...]] = []
        span = max(60, int((window_end - created).total_seconds()))
        imported_at = created + timedelta(seconds=rng.randint(30, max(31, span // 2)))
        for index in range(count):
            # A pupil's teachers come last; a teacher's contacts include some colleagues.
            teacher = (index >= count - 2 and count > 10) or (
                case_row[9] != "studente" and rng.random() < 0.2
            )
            role = "docente" if teacher else "studente"
            for _ in range(20):
                surname, name, female = self.person()
                born = self._birth(rng.randint(25, 63) if teacher else age, created.date())
                comune = rng.choice(self.comuni[plesso.ats.code])
                cf = codice_fiscale(surname, name, female, born, comune.code)
                if cf not in seen:
                    break
            else:
                continue  # this class has had enough namesakes
            seen.add(cf)
            next_id += 1
            incomplete = not by_form and rng.random() < 0.12
            at = created + timedelta(seconds=rng.randint(60, span)) if by_form else imported_at
            contact_day = last_attendance - timedelta(days=rng.randint(0, 1))
            rows.append(
                (
                    next_id,
                    case_id,
                    role,
                    class_name,
                    section,
                    surname,
                    name,
                    cf,
                    born.isoformat(),
                    None if incomplete else comune.code,
                    None if incomplete else comune.name,
                    None if incomplete else comune.province,
                    None
                    if incomplete or rng.random() < 0.3
                    else f"{rng.choice(STREETS)} {rng.randint(1, 200)}",
                    None if incomplete else self.phone(),
                    contact_day.isoformat(),
                    source,
                    referent.user_id,
                    stamp(at),
                    referent.user_id,
                    stamp(at),
                    1,
                )
            )
            if by_form:
                self.audit(
                    at,
                    referent.user_id,
                    "contact.create",
                    "contact",
                    next_id,
                    {"case": case_id, "source": "form"},
                )
        if not by_form and rows:
            self.audit(
                imported_at,
                referent.user_id,
                "contact.import",
                "case",
                case_id,
                {
                    "source": source,
                    "added": len(rows),
                    "skipped": 0,
                    "contacts": [row[0] for row in rows],
                },
            )
        return rows, next_id

    def make_bookkeeping(self) -> None:
        """What the running bot keeps besides: steps of unfinished flows, update ids."""
        rng = self.rng
        flows = ("case_form", "contact_form", "absences", "enrolment")
        rows = []
        for referent in self.referents.values():
            for flow in flows:
                if rng.random() < 0.15:
                    at = NOW - timedelta(minutes=rng.randint(1, 60 * 24 * 200))
                    rows.append(
                        (
                            flow,
                            referent.user_id,
                            referent.user_id,
                            rng.randint(1, 9),
                            "{}",
                            stamp(at),
                        )
                    )
        self.conn.executemany(
            "INSERT INTO conversations (flow, chat_id, user_id, state, data, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
        updates = [
            (900_000_000 + n, stamp(NOW - timedelta(seconds=n * 20)))
            for n in range(max(100, round(8_000 * self.sizes.plessi / 2_000)))
        ]
        self.conn.executemany(
            "INSERT INTO processed_updates (update_id, processed_at) VALUES (?, ?)", updates
        )


def _age_of(class_name: str, school_type: str) -> int:
    kind = next(t for t in SCHOOL_TYPES if t[0] == school_type)
    return kind[5] + (int(class_name) - 1 if class_name.isdigit() else 1)


# --- files ----------------------------------------------------------------------------------


def _digest() -> str:
    """Changes whenever this generator or a migration changes: a cached file made by older
    ones is rebuilt, never measured with a schema the bot would not have."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for migration in sorted(MIGRATIONS.glob("*.sql")):
        digest.update(migration.name.encode())
        digest.update(migration.read_bytes())
    return digest.hexdigest()[:10]


def cached_path(folder: Path, scale: float) -> Path:
    return folder / f"year-of-data-scale{scale:g}-{_digest()}.sqlite3"


def remove(path: Path) -> None:
    """A database file and its side files."""
    for suffix in ("", "-wal", "-shm", ".json"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def _migrate(path: Path) -> None:
    db = Database(path)
    await db.connect()
    await db.close()


def generate(path: Path, scale: float, seed: int = SEED) -> Counts:
    """A fresh database at `path`: the project's migrations, then the rows."""
    started = clock.perf_counter()
    remove(path)
    asyncio.run(_migrate(path))
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -200000")  # 200 MB while loading
        counts = Generator(conn, Sizes.for_scale(scale), seed).run()
        problems = conn.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"generated rows break foreign keys: {problems[:3]}")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    counts.seconds = clock.perf_counter() - started
    counts.size_mb = path.stat().st_size / 1e6
    Path(f"{path}.json").write_text(json.dumps(counts.as_dict(), indent=1), encoding="utf-8")
    return counts


def ensure(folder: Path, scale: float, say: Callable[[str], None]) -> tuple[Path, Counts]:
    """The cached database of this scale, generated first if missing (or from an older
    generator)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = cached_path(folder, scale)
    summary = Path(f"{path}.json")
    if path.exists() and summary.exists():
        return path, Counts(**json.loads(summary.read_text(encoding="utf-8")))
    for stale in folder.glob(f"year-of-data-scale{scale:g}-*.sqlite3"):
        remove(stale)
    say(f"generating {path} (scale {scale:g}) ...")
    counts = generate(path, scale)
    say(f"generated in {counts.seconds:.1f} s, {counts.size_mb:.0f} MB")
    return path, counts
