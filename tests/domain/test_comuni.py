from __future__ import annotations

import contextlib
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import comuni as comuni_module
from domain.comuni import (
    Comune,
    comune_by_code,
    find_comune,
    label,
    resolve_comune_text,
    search_comuni,
)
from domain.errors import ValidationFailed
from tests.domain.helpers import refused

MILANO = Comune(code="F205", name="Milano", province="MI")


def names(comuni: list[Comune]) -> list[str]:
    return [comune.name for comune in comuni]


def test_exact_name_first() -> None:
    assert search_comuni("milano")[0] == MILANO
    assert search_comuni("LODI")[0].code == "E648"


def test_milano_and_lodi_come_first_when_they_match() -> None:
    assert search_comuni("mil")[0] == MILANO
    assert search_comuni("lo")[0].name == "Lodi"
    assert search_comuni("ano")[0] == MILANO  # substring only, still listed first


def test_exact_match_beats_the_favourites() -> None:
    assert search_comuni("Rho")[0].name == "Rho"


def test_prefix_before_substring() -> None:
    found = names(search_comuni("Codogno"))
    assert found[0] == "Codogno"


def test_words_and_accents_and_apostrophes_are_loose() -> None:
    assert "San Donato Milanese" in names(search_comuni("San Donato"))
    assert "San Donato Milanese" in names(search_comuni("donato mil"))
    assert "Sesto San Giovanni" in names(search_comuni("sesto s giovanni"))
    assert names(search_comuni("sant angelo lod")) == ["Sant'Angelo Lodigiano"]
    assert names(search_comuni("forli"))[0] == "Forlì"


def test_province_in_brackets_restricts_the_search() -> None:
    assert search_comuni(label(MILANO)) == [MILANO]
    assert names(search_comuni("Castro (LE)")) == ["Castro"]


def test_only_active_comuni() -> None:
    # Cavacurta (LO) merged into Castelgerundo in 2018.
    refused("comune_not_found", search_comuni, "Cavacurta")
    assert find_comune("Cavacurta") is None
    assert names(search_comuni("Castelgerundo")) == ["Castelgerundo"]
    assert "Abano" not in names(search_comuni("Abano"))  # Abano Terme since 1924


def test_limit() -> None:
    assert len(search_comuni("san", limit=3)) == 3


def test_too_short_then_right() -> None:
    refused("comune_query_too_short", search_comuni, " m ")
    assert search_comuni("mi")[0] == MILANO


def test_not_found() -> None:
    error = refused("comune_not_found", search_comuni, "Xyzzyville")
    assert error.params == {"query": "Xyzzyville"}


def test_search_is_fast() -> None:
    search_comuni("mi")  # load the list
    start = time.perf_counter()
    for query in ("mil", "san donato", "lo", "xyzzy ville", "a b"):
        with contextlib.suppress(ValidationFailed):
            search_comuni(query)
    assert (time.perf_counter() - start) / 5 < 0.02  # 5 ms on a laptop; slack for CI


def test_find_comune() -> None:
    assert find_comune("MILANO") == MILANO
    assert find_comune("Castro") is None  # Castro (BG) and Castro (LE)
    assert find_comune("castro", "le") == Comune(code="M261", name="Castro", province="LE")
    assert find_comune("Milano", "LO") is None
    assert find_comune("Atlantide") is None


def test_resolve_comune_text() -> None:
    for text in ("Milano", "Milano (MI)", "Milano MI", "milano, mi", "MILANO(MI)"):
        assert resolve_comune_text(text) == (MILANO,), text
    assert [c.name for c in resolve_comune_text("Vo")] == ["Vo'"]
    assert [c.name for c in resolve_comune_text("Re")] == ["Re"]
    assert len(resolve_comune_text("Castro")) == 2
    assert resolve_comune_text("Milano (LO)") == ()


def test_comune_by_code_and_label() -> None:
    assert comune_by_code("f205") == MILANO
    assert comune_by_code("Z999") is None
    assert label(MILANO) == "Milano (MI)"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_search_raises_only_validation_failed(text: str) -> None:
    with contextlib.suppress(ValidationFailed):
        assert search_comuni(text)


def _every_entry(index: object, needles: object) -> range:
    return range(len(comuni_module._index().entries))


# Queries made of pieces of real names, so that most of them match something.
_PIECES = st.sampled_from(
    [
        "san",
        "don",
        "ato",
        "mil",
        "ano",
        "lo",
        "di",
        "bo",
        "zen",
        "re",
        "vo",
        "a",
        "e",
        "o",
        "sul",
        "del",
        "monte",
        "val",
        "ca",
        "'",
        " ",
        "-",
        "ò",
        "(MI)",
        "(BZ)",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, min_size=1, max_size=5).map("".join) | st.text(max_size=12))
def test_the_fast_search_finds_what_a_look_at_every_comune_finds(query: str) -> None:
    def search() -> list[Comune] | str:
        try:
            return search_comuni(query, limit=50)
        except ValidationFailed as error:
            return error.code

    fast = search()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(comuni_module._Index, "candidates", _every_entry)
        slow = search()
    assert fast == slow
