"""Who is asking, and what they may do. Pure: built from settings and the registry."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.registry import Plesso, Referent


class Role(StrEnum):
    ADMIN = "admin"
    REFERENT = "referent"
    VACCINES = "vaccini"  # the school's vaccination-duty check (issue 18)


class Actor(BaseModel):
    """The person behind an update. An admin may also be a referent."""

    model_config = ConfigDict(frozen=True)

    user_id: int
    is_admin: bool = False
    admin_ats: str | None = None  # None with is_admin: a regional admin, every ATS
    referent: Referent | None = None

    @property
    def is_referent(self) -> bool:
        return self.referent is not None and bool(self.referent.plessi)

    @property
    def is_revoked(self) -> bool:
        """Was a referent, holds no plesso any more, and is no admin."""
        return (
            not self.is_admin
            and self.referent is not None
            and not self.referent.plessi
            and not self.referent.vaccine_plessi
            and bool(self.referent.revoked_plessi)
        )

    @property
    def is_vaccines(self) -> bool:
        """Holds the "vaccini" role on at least one plesso."""
        return self.referent is not None and bool(self.referent.vaccine_plessi)

    @property
    def is_known(self) -> bool:
        return self.is_admin or self.is_referent or self.is_vaccines

    def has(self, role: Role) -> bool:
        if role is Role.VACCINES:
            return self.is_vaccines
        return self.is_admin if role is Role.ADMIN else self.is_referent

    def holds_vaccines(self, code: str) -> bool:
        return self.referent is not None and code in self.referent.vaccine_plessi

    def holds_plesso(self, code: str) -> bool:
        return self.referent is not None and code in self.referent.plessi

    def manages_ats(self, ats_code: str) -> bool:
        return self.is_admin and (self.admin_ats is None or self.admin_ats == ats_code)

    def manages_plesso(self, plesso: Plesso) -> bool:
        return self.manages_ats(plesso.ats_code)
