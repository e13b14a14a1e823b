"""The Italian municipalities (comuni) in force, searchable the way a teacher types them.

The list is python-codicefiscale's copy of the official ISTAT / Agenzia delle Entrate data,
the comuni still active only (a school or a home is in a comune of today), shipped as the
compact domain/data/comuni.tsv (`python -m domain.data.build_comuni` regenerates it): the
library's own file holds every comune since 1861 and cost the bot 30 MB of memory.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict

from domain.errors import ValidationFailed
from domain.text import collapse_spaces, fold

SEARCH_MIN_LENGTH = 2

# The portal lists these two at the top of its drop-down: the ATS Milano territory's
# chief towns, where most reports come from.
_PRIORITY_CODES = ("F205", "E648")  # Milano, Lodi

_TRAILING_PROVINCE = re.compile(r"(?P<name>.*?)[\s,]*\(\s*(?P<province>[A-Za-z]{2})\s*\)")
_TRAILING_BARE_PROVINCE = re.compile(r"(?P<name>.*\S)[\s,]+(?P<province>[A-Za-z]{2})")


class Comune(BaseModel):
    """An active Italian municipality."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    code: str
    """Cadastral code (codice catastale), e.g. "F205"."""
    name: str
    """Official name as in the list, e.g. "Milano"."""
    province: str
    """Province abbreviation (sigla), e.g. "MI"."""


@dataclass(frozen=True, slots=True)
class _Entry:
    code: str
    name: str
    province: str
    # The name folded (fold), then the second-language name (Bozen for Bolzano) if it
    # differs. Their words and their form without spaces are computed for the few entries
    # a search looks at, not held for 8,000 (1.5 MB).
    keys: tuple[str, ...]
    priority: bool

    @property
    def comune(self) -> Comune:
        # Built when asked for (a search shows eight): 8,000 pydantic models held for the
        # process's life cost 3 MB, the strings here a third of it.
        return Comune(code=self.code, name=self.name, province=self.province)


@dataclass(frozen=True, slots=True)
class _Index:
    entries: tuple[_Entry, ...]
    by_code: dict[str, _Entry]
    by_key: dict[str, tuple[_Entry, ...]]
    # Every entry's spellings on one line of one string, and where each line starts: a
    # search finds its candidates with str.find (C speed) instead of testing 8,000 entries
    # in Python (3 ms on the event loop at every comune typed, measured under load).
    haystack: str
    starts: array[int]

    def candidates(self, needles: Iterable[str]) -> list[int]:
        """Positions of the entries whose line contains one of `needles`, in order."""
        found: set[int] = set()
        for needle in needles:
            at = self.haystack.find(needle)
            while at != -1:
                entry = bisect_right(self.starts, at) - 1
                found.add(entry)
                # On to the next line: one hit per entry is enough.
                following = self.starts[entry + 1] if entry + 1 < len(self.starts) else None
                if following is None:
                    break
                at = self.haystack.find(needle, following)
        return sorted(found)


_LINE_BREAK = "\n"  # never in a folded query (a query holding it is searched the slow way)
_SEPARATOR = "\t"


def _haystack(entries: Sequence[_Entry]) -> tuple[str, array[int]]:
    lines = [
        _SEPARATOR.join(part for key in entry.keys for part in (key, _compact(key)))
        for entry in entries
    ]
    starts, offset = array("l"), 0  # machine integers: 64 KB, not 8,000 int objects
    for line in lines:
        starts.append(offset)
        offset += len(line) + 1
    return _LINE_BREAK.join(lines), starts


def _compact(key: str) -> str:
    """The spelling without spaces: "sandonato" still finds "San Donato Milanese"."""
    return key.replace(" ", "")


def _rows() -> Iterator[tuple[str, str, str, str]]:
    """The active comuni of domain/data/comuni.tsv, in its order (by name, then by date of
    creation: homonyms keep it in the results): code, name, name in the second language
    (Bozen for Bolzano) or "", province."""
    text = resources.files("domain.data").joinpath("comuni.tsv").read_text(encoding="utf-8")
    for line in text.splitlines()[1:]:  # the first line names the columns
        code, name, name_alt, province = line.split(_SEPARATOR)
        yield code, name, name_alt, province


@cache
def _index() -> _Index:
    """Load the list once, on first use (about 8,000 comuni, a few tens of milliseconds;
    3.5 MB, held for the process's life)."""
    entries: list[_Entry] = []
    by_key: dict[str, list[_Entry]] = {}
    provinces: dict[str, str] = {}  # one string per province, not one per comune
    for code, name, name_alt, province in _rows():
        keys = [fold(name)]
        if fold(name_alt) not in ("", keys[0]):
            keys.append(fold(name_alt))
        province = provinces.setdefault(province, province)
        entry = _Entry(code, name, province, tuple(keys), code in _PRIORITY_CODES)
        entries.append(entry)
        for key in keys:
            by_key.setdefault(key, []).append(entry)
    entries.sort(key=lambda entry: entry.keys[0])
    haystack, starts = _haystack(entries)
    return _Index(
        entries=tuple(entries),
        by_code={entry.code: entry for entry in entries},
        by_key={key: tuple(found) for key, found in by_key.items()},
        haystack=haystack,
        starts=starts,
    )


def label(comune: Comune) -> str:
    """How a comune is shown: "Milano (MI)"."""
    return f"{comune.name} ({comune.province})"


def comune_by_code(code: str) -> Comune | None:
    """The active comune with this cadastral code, if any."""
    entry = _index().by_code.get(code.strip().upper())
    return None if entry is None else entry.comune


def split_province(text: str) -> tuple[str, str | None]:
    """Split "Milano (MI)" into ("Milano", "MI"); text without "(XX)" is returned whole."""
    match = _TRAILING_PROVINCE.fullmatch(text.strip())
    if match and match["name"].strip():
        return match["name"].strip(), match["province"].upper()
    return text.strip(), None


def find_comuni(name: str, province: str | None = None) -> tuple[Comune, ...]:
    """Every active comune whose name is `name` (loose match), in `province` if given."""
    found = _index().by_key.get(fold(name), ())
    wanted = None if province is None else province.strip().upper()
    return tuple(entry.comune for entry in found if wanted in (None, entry.province))


def find_comune(name: str, province: str | None = None) -> Comune | None:
    """The one active comune called `name` (in `province` if given); None if none or several."""
    found = find_comuni(name, province)
    return found[0] if len(found) == 1 else None


def resolve_comune_text(text: str) -> tuple[Comune, ...]:
    """The comuni meant by "Milano", "Milano (MI)", "Milano MI" or "Milano, MI" (CSV cells).

    The whole text is tried as a name first: "Vo" and "Re" are comuni whose names look
    like a province abbreviation after a space.
    """
    name, province = split_province(text)
    if province is not None:
        return find_comuni(name, province)
    found = find_comuni(name)
    if found:
        return found
    bare = _TRAILING_BARE_PROVINCE.fullmatch(collapse_spaces(text))
    if bare:
        return find_comuni(bare["name"], bare["province"])
    return ()


def comune_of_cell(text: str) -> Comune:
    """The one comune a file's cell names (resolve_comune_text); none or several refuse the
    cell, naming what was written (and the comuni it could be)."""
    found = resolve_comune_text(text)
    if len(found) == 1:
        return found[0]
    if not found:
        raise ValidationFailed("csv_comune_unknown", comune=collapse_spaces(text) or "-")
    raise ValidationFailed(
        "csv_comune_ambiguous",
        comune=collapse_spaces(text),
        options=", ".join(label(comune) for comune in found),
    )


def _rank(entry: _Entry, query: str, query_words: list[str], compact: str) -> int | None:
    """How well `entry` matches: 0 exact, 1 prefix, 2 word prefixes, 3 substring, 4 other
    spelling (Völs for Fiè); None if it does not match."""
    best: int | None = None
    for alternative, key in enumerate(entry.keys):  # 0: the name; 1: the other language's
        key_compact = _compact(key)
        # Cheap test first: every kind of match needs the first query word inside the name.
        if query_words[0] not in key and compact not in key_compact:
            continue
        if key == query:
            return 0
        if key.startswith(query):
            rank = 1
        elif _words_match(key.split(), query_words):
            rank = 2
        elif compact in key_compact:
            rank = 3
        else:
            continue
        if alternative:
            rank = 4
        best = rank if best is None else min(best, rank)
    return best


def _words_match(name_words: list[str], query_words: list[str]) -> bool:
    """Whether every query word starts a name word, in order ("s donato" → "san donato ...")."""
    position = 0
    for word in query_words:
        while position < len(name_words) and not name_words[position].startswith(word):
            position += 1
        if position == len(name_words):
            return False
        position += 1
    return True


def search_comuni(query: str, limit: int = 8) -> list[Comune]:
    """Active comuni matching `query`, best first, at most `limit`.

    Exact name first; then Milano and Lodi if they match at all (the portal lists them
    first); then names starting with the query, names whose words start with the query's
    words, and names containing it. Accents, case and apostrophes are ignored; a trailing
    "(MI)" restricts the search to that province.
    """
    name, province = split_province(query)
    folded = fold(name)
    if len(folded.replace(" ", "")) < SEARCH_MIN_LENGTH:
        raise ValidationFailed("comune_query_too_short", min_length=SEARCH_MIN_LENGTH)
    words, compact = folded.split(), folded.replace(" ", "")
    ranked: list[tuple[int, int, _Entry]] = []
    index = _index()
    # Every match holds the first word or the compact query (see _rank): the lines holding
    # neither are skipped without a look.
    needles = (words[0], compact)
    if any(_LINE_BREAK in needle or _SEPARATOR in needle for needle in needles):
        positions: Iterable[int] = range(len(index.entries))
    else:
        positions = index.candidates(needles)
    for position in positions:
        entry = index.entries[position]
        if province is not None and entry.province != province:
            continue
        rank = _rank(entry, folded, words, compact)
        if rank is None:
            continue
        # Exact match beats everything, then the portal's favourites, then the rest by rank.
        order = 0 if rank == 0 else 1 if entry.priority else rank + 1
        ranked.append((order, position, entry))
    if not ranked:
        raise ValidationFailed("comune_not_found", query=collapse_spaces(query))
    ranked.sort(key=lambda item: (item[0], item[1]))
    return [entry.comune for _, _, entry in ranked[:limit]]
