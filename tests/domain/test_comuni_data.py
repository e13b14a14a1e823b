"""domain/data/comuni.tsv, the compact list of the active comuni the bot reads, is what
`python -m domain.data.build_comuni` makes of the installed python-codicefiscale's list."""

from __future__ import annotations

from domain.comuni import comune_by_code, find_comuni
from domain.data.build_comuni import COLUMNS, COMUNI_TSV, comuni_rows, comuni_tsv


def test_the_committed_file_is_the_installed_librarys_list() -> None:
    # Fails after an upgrade of python-codicefiscale that changed the list: run
    # `python -m domain.data.build_comuni` and commit domain/data/comuni.tsv.
    assert COMUNI_TSV.read_text(encoding="utf-8") == comuni_tsv()


def test_the_file_holds_the_active_comuni_only_once_each() -> None:
    lines = COMUNI_TSV.read_text(encoding="utf-8").splitlines()
    assert tuple(lines[0].split("\t")) == COLUMNS
    codes = [line.split("\t")[0] for line in lines[1:]]
    assert len(codes) == len(set(codes)) > 7_800
    assert comune_by_code("F205") is not None
    assert comune_by_code("A001") is not None  # Abano Terme, active
    # Bolzano with its German name, searchable both ways.
    assert "A952\tBolzano\tBozen\tBZ" in lines
    assert find_comuni("Bozen") == find_comuni("Bolzano")


def record(code: str, name: str, created: str, *, active: bool = True) -> dict[str, object]:
    return {
        "active": active,
        "code": code,
        "date_created": created,
        "date_deleted": "" if active else "1990-01-01T00:00:00",
        "name": name,
        "name_alt": "",
        "province": "MI",
    }


def test_the_generator_keeps_the_active_ones_by_name_then_creation() -> None:
    municipalities = [
        record("B002", "Bianco", "1990-01-01T00:00:00"),
        record("A001", "Abano", "1866-11-19T00:00:00", active=False),
        record("B001", "Bianco", "1861-03-17T00:00:00"),
        record("A002", "Arco", "1861-03-17T00:00:00"),
    ]
    assert comuni_rows(municipalities) == [
        ("A002", "Arco", "", "MI"),
        ("B001", "Bianco", "", "MI"),
        ("B002", "Bianco", "", "MI"),
    ]
