"""Telegram's HTML and MarkdownV2 parsing: plain text, entities in UTF-16, Telegram's errors."""

from __future__ import annotations

import re

import pytest

from emulator.formatting import EntityParseError, parse, trim, utf16_len


def test_html_tags_become_entities_over_plain_text() -> None:
    parsed = parse("<b>Caso</b> <i>chiuso</i> &amp; <u>inviato</u>", "HTML")
    assert parsed.text == "Caso chiuso & inviato"
    assert parsed.entities == [
        {"type": "bold", "offset": 0, "length": 4},
        {"type": "italic", "offset": 5, "length": 6},
        {"type": "underline", "offset": 14, "length": 7},
    ]


def test_entity_offsets_count_utf16_units() -> None:
    parsed = parse("😷 <b>positivo</b>", "HTML")
    assert parsed.entities == [{"type": "bold", "offset": 3, "length": 8}]
    assert utf16_len("😷") == 2


@pytest.mark.parametrize(
    ("source", "text"),
    [
        ("&lt;3 &gt; &quot;x&quot;", '<3 > "x"'),
        ("&#233;&#xE8;", "éè"),
        ("<B>maiuscolo</B>", "maiuscolo"),
        ('<a href="https://ats.it/?a=1&b=2">sito</a>', "sito"),
    ],
)
def test_html_entities_and_case_insensitive_tags(source: str, text: str) -> None:
    assert parse(source, "HTML").text == text


def test_links_pre_with_language_spoilers_and_quotes() -> None:
    source = (
        '<a href="https://ats.it">ATS</a> '
        '<pre><code class="language-python">x = 1</code></pre>'
        '<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>'
        "<blockquote expandable>lunga</blockquote>"
    )
    parsed = parse(source, "html")
    assert parsed.text == "ATS x = 1stlunga"
    kinds = [(e["type"], e.get("url") or e.get("language")) for e in parsed.entities]
    assert kinds == [
        ("text_link", "https://ats.it"),
        ("pre", "python"),
        ("spoiler", None),
        ("spoiler", None),
        ("expandable_blockquote", None),
    ]


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<script>x</script>", 'Unsupported start tag "script" at byte offset 0'),
        ("<b>grassetto", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("fine</b>", "Unexpected end tag at byte offset 4"),
        ("Rossi & figli", 'Character "&" must be escaped as "&amp;" at byte offset 6'),
        ("&nbsp;", "at byte offset 0"),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler"'),
        ("<b", "Unclosed start tag at byte offset 0"),
    ],
)
def test_html_errors_are_telegrams(source: str, error: str) -> None:
    with pytest.raises(EntityParseError, match=re.escape(error)):
        parse(source, "HTML")


def test_markdown_v2_entities_and_reserved_characters() -> None:
    parsed = parse("*Caso* _n\\. 3_ chiuso\\!", "MarkdownV2")
    assert parsed.text == "Caso n. 3 chiuso!"
    assert [e["type"] for e in parsed.entities] == ["bold", "italic"]
    with pytest.raises(EntityParseError, match=r"Character '\.' is reserved"):
        parse("Fine.", "MarkdownV2")
    with pytest.raises(EntityParseError, match="Can't find end of Bold entity"):
        parse("*aperto", "MarkdownV2")


def test_trim_strips_white_space_and_shifts_entities() -> None:
    trimmed = trim(parse("\n  <b>Ciao</b>  \n", "HTML"))
    assert trimmed.text == "Ciao"
    assert trimmed.entities == [{"type": "bold", "offset": 0, "length": 4}]
