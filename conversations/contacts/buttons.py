"""The buttons that open a case's contacts, shared by the case card, the case list and the
contact screens: `ct:<verb>:<id>[:<page>]`."""

from __future__ import annotations

from bot.callbacks import Buttons

CONTACTS = Buttons("ct", "a case's contacts: add, list, view, edit, delete")
ADD = "add"
"""Aggiungi contatti (a list, a file, or one at a time): case id."""
ONE = "one"
"""Aggiungi contatto, one at a time: case id."""
LIST = "list"
"""Vedi contatti: case id (the first page, in a new message), or case id and page (Next /
Previous, in place)."""
VIEW = "view"
EDIT = "edit"
DELETE = "del"
DELETE_YES = "dely"
DELETE_NO = "deln"
"""Contact id."""


def add_contacts(case_id: int) -> str:
    return CONTACTS.data(ADD, case_id)


def list_contacts(case_id: int, page: int | None = None) -> str:
    return CONTACTS.data(LIST, case_id) if page is None else CONTACTS.data(LIST, case_id, page)
