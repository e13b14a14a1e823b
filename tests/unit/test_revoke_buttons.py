"""/revoca's page buttons carry the search typed (issue 15, item 2): whatever an admin types,
the «Avanti» button either brings the same search back or the search is refused as too long
at once; a forged page button is refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import CallbackQuery, Update, User

from bot import keyboards
from conversations.ats.referents import _page_data, _tapped_revoke_page
from domain.text import fold


def tapped(data: str) -> Update:
    user = User(id=1, first_name="x", is_bot=False)
    return Update(update_id=1, callback_query=CallbackQuery("q", user, "chat", data=data))


@given(st.text(max_size=60), st.integers(min_value=0, max_value=999))
def test_a_search_comes_back_from_its_page_button(typed: str, page: int) -> None:
    search = fold(typed)
    data = _page_data(page, search)
    if data is None:  # too long for 64 bytes: /revoca says so before any page is shown
        assert len(search) > 40 or len(search.encode()) > 30
        return
    assert len(data.encode()) <= keyboards.MAX_CALLBACK_BYTES
    assert _tapped_revoke_page(tapped(data)) == (page, search)


@pytest.mark.parametrize("search", ["rossi", "maria rossi", "miee8ab01t", "ζωη", "d angelo"])
def test_ordinary_searches_fit(search: str) -> None:
    data = _page_data(3, search)
    assert data is not None and _tapped_revoke_page(tapped(data)) == (3, search)


@pytest.mark.parametrize(
    "data", ["rvl:pg:²", "rvl:pu:0:z", "rvl:pu:0:_w", "rvl:pf:x:rossi", "rvl:pg", "rvl:zz:0"]
)
def test_forged_page_buttons_are_refused(data: str) -> None:
    assert _tapped_revoke_page(tapped(data)) is None
