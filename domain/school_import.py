"""What an admin's CSV may change: only plessi of their own ATS."""

from __future__ import annotations

from collections.abc import Mapping

from domain.registry import Plesso
from domain.schools import PlessoRow, RowError, SchoolsImport


def to_plesso(row: PlessoRow) -> Plesso:
    return Plesso(
        code=row.code,
        name=row.name,
        comune_code=row.comune.code,
        comune_name=row.comune.name,
        province=row.comune.province,
        address=row.address,
        school_type=row.school_type.value,
        sentinel=row.sentinel,
        ats_code=row.ats_code,
    )


def scope_import(
    parsed: SchoolsImport,
    admin_ats: str | None,
    existing_ats: Mapping[str, str],
) -> SchoolsImport:
    """Refuse rows an ATS admin may not touch: another ATS's plesso, or moving one of
    another ATS into theirs. A regional admin (`admin_ats` None) may load every row.

    `existing_ats` holds the ATS of the plessi already in the registry.
    """
    if admin_ats is None:
        return parsed
    rows: list[PlessoRow] = []
    errors = list(parsed.errors)
    for row in parsed.rows:
        owner = existing_ats.get(row.code, row.ats_code)
        if row.ats_code != admin_ats or owner != admin_ats:
            foreign = row.ats_code if row.ats_code != admin_ats else owner
            errors.append(
                RowError(
                    line=row.line,
                    code="plesso_other_ats",
                    params={"ats": foreign, "own": admin_ats},
                )
            )
        else:
            rows.append(row)
    errors.sort(key=lambda error: error.line)
    return SchoolsImport(rows=rows, errors=errors)
