"""Telegram's formatted text: HTML, MarkdownV2 and legacy Markdown turned into text + entities.

The parsers follow Telegram's own (tdlib's `parse_html`, `parse_markdown_v2`) closely enough that
text which parses here parses there, with the same plain text and entities. Offsets and lengths
are in UTF-16 code units, as in the Bot API.

One deliberate difference: Telegram keeps a bare `&` that does not start a known entity as a
literal character; here it is an error, so unescaped user data is caught by the tests before it
turns into a broken `<` on the real service.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

Entity = dict[str, Any]


class EntityParseError(ValueError):
    """The text does not parse; the message is the part after "can't parse entities: "."""


@dataclass(frozen=True)
class FormattedText:
    text: str
    entities: list[Entity]


def utf16_len(text: str) -> int:
    # The Bot API measures offsets and lengths in UTF-16 code units, not code points.
    return len(text.encode("utf-16-le")) // 2


def parse(text: str, parse_mode: str | None) -> FormattedText:
    """Plain text and entities for `text` under `parse_mode` (None: no formatting)."""
    mode = (parse_mode or "").lower()
    if not mode:
        return FormattedText(text, [])
    if mode == "html":
        return _HtmlParser(text).parse()
    if mode == "markdownv2":
        return _MarkdownV2Parser(text).parse()
    if mode == "markdown":
        return _parse_legacy_markdown(text)
    raise ValueError(parse_mode)


def trim(formatted: FormattedText) -> FormattedText:
    """Telegram strips leading and trailing white space, shrinking entities to match."""
    text = formatted.text
    stripped = text.strip()
    if stripped == text:
        return formatted
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    new_length = utf16_len(stripped)
    entities: list[Entity] = []
    for entity in formatted.entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, new_length)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return FormattedText(stripped, entities)


def check_link(url: str) -> str | None:
    """The URL Telegram would keep for a text link, or None when it silently drops the link."""
    url = url.strip()
    if re.fullmatch(r"(?i)(https?|tg|ton)://\S+", url):
        return url
    if re.fullmatch(r"[\w-]+(\.[\w-]+)+(/\S*)?", url):
        return "http://" + url
    return None


def _entity_order(entity: Entity) -> tuple[int, int]:
    # Telegram lists entities by offset, an enclosing entity before the ones inside it.
    return entity["offset"], -entity["length"]


def _byte_offset(source: str, index: int) -> int:
    # Error messages count bytes of the UTF-8 request, like Telegram's.
    return len(source[:index].encode())


# --- HTML -------------------------------------------------------------------------------------

_HTML_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins", "tg-spoiler",
        "tg-emoji", "span", "pre", "code", "blockquote",
    }
)  # fmt: skip
_HTML_SIMPLE = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPECIAL = re.compile(r"[<&]")
_HTML_ENTITY = re.compile(r"&(?:#(\d{1,8})|#[xX]([0-9a-fA-F]{1,8})|([a-zA-Z]+));")
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.-]*")


def _decode_entity(match: re.Match[str]) -> str | None:
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        return _NAMED_ENTITIES.get(name)
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)


def _unescape_attribute(value: str) -> str:
    # Inside attribute values Telegram is lenient: URLs are full of bare `&`.
    return _HTML_ENTITY.sub(lambda match: _decode_entity(match) or match.group(0), value)


@dataclass
class _OpenTag:
    name: str
    argument: str
    offset: int  # UTF-16 offset in the plain text where the tag's content starts
    chunk: int  # index in the output chunks, to recover the text of an <a> without href


class _HtmlParser:
    def __init__(self, source: str) -> None:
        self._src = source
        self._pos = 0
        self._chunks: list[str] = []
        self._length = 0
        self._open: list[_OpenTag] = []
        self._entities: list[Entity] = []

    def parse(self) -> FormattedText:
        src = self._src
        while self._pos < len(src):
            match = _SPECIAL.search(src, self._pos)
            end = match.start() if match else len(src)
            if end > self._pos:
                self._emit(src[self._pos : end])
                self._pos = end
            if match is None:
                break
            if src[end] == "&":
                self._emit(self._entity())
            elif src.startswith("</", end):
                self._close_tag()
            else:
                self._open_tag()
        if self._open:
            name = self._open[-1].name
            raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{name}"')
        for entity in self._entities:
            entity.pop("_language", None)
        return FormattedText("".join(self._chunks), sorted(self._entities, key=_entity_order))

    def _emit(self, chunk: str) -> None:
        self._chunks.append(chunk)
        self._length += utf16_len(chunk)

    def _fail(self, reason: str, index: int) -> EntityParseError:
        return EntityParseError(f"{reason} at byte offset {_byte_offset(self._src, index)}")

    def _entity(self) -> str:
        match = _HTML_ENTITY.match(self._src, self._pos)
        char = _decode_entity(match) if match else None
        if match is None or char is None:
            raise self._fail('Character "&" must be escaped as "&amp;"', self._pos)
        self._pos = match.end()
        return char

    def _open_tag(self) -> None:
        src, start = self._src, self._pos
        end = start + 1
        while end < len(src) and not src[end].isspace() and src[end] != ">":
            end += 1
        if end >= len(src):
            raise self._fail("Unclosed start tag", start)
        name = src[start + 1 : end].lower()
        if name not in _HTML_TAGS:
            raise self._fail(f'Unsupported start tag "{name}"', start)
        argument, close = self._attributes(name, end, start)
        if name == "span" and argument != "spoiler":
            raise self._fail('Tag "span" must have class "tg-spoiler"', start)
        self._open.append(_OpenTag(name, argument, self._length, len(self._chunks)))
        self._pos = close + 1

    def _attributes(self, tag: str, index: int, start: int) -> tuple[str, int]:
        """The tag's meaningful argument (href, language...) and the index of its `>`."""
        src, argument = self._src, ""
        while True:
            index = _skip_spaces(src, index)
            if index >= len(src):
                raise self._fail("Unclosed start tag", start)
            if src[index] == ">":
                return argument, index
            name_end = index
            while name_end < len(src) and not src[name_end].isspace() and src[name_end] not in "=>":
                name_end += 1
            attribute = src[index:name_end].lower()
            if not attribute:
                raise self._fail(f'Empty attribute name in the tag "{tag}"', start)
            index = _skip_spaces(src, name_end)
            if index < len(src) and src[index] != "=":
                if not (tag == "blockquote" and attribute == "expandable"):
                    raise self._fail(
                        f'Expected equal sign in declaration of an attribute of the tag "{tag}"',
                        start,
                    )
                argument = "expandable"
                continue
            index = _skip_spaces(src, index + 1)
            if index >= len(src):
                raise self._fail("Unclosed start tag", start)
            value, index = self._attribute_value(index, start)
            argument = _tag_argument(tag, attribute, value) or argument

    def _attribute_value(self, index: int, start: int) -> tuple[str, int]:
        src = self._src
        quote = src[index]
        if quote in "\"'":
            end = src.find(quote, index + 1)
            if end < 0:
                raise self._fail("Unclosed start tag", start)
            return _unescape_attribute(src[index + 1 : end]), end + 1
        token = _NAME_TOKEN.match(src, index)
        end = token.end() if token else index
        if end < len(src) and not src[end].isspace() and src[end] != ">":
            raise self._fail("Unexpected end of name token", end)
        return src[index:end].lower(), end

    def _close_tag(self) -> None:
        src, start = self._src, self._pos
        if not self._open:
            raise self._fail("Unexpected end tag", start)
        end = start + 2
        while end < len(src) and not src[end].isspace() and src[end] != ">":
            end += 1
        name = src[start + 2 : end].lower()
        end = _skip_spaces(src, end)
        if end >= len(src) or src[end] != ">":
            raise self._fail("Unclosed end tag", start)
        tag = self._open.pop()
        if name and name != tag.name:
            raise EntityParseError(
                f"Unmatched end tag at byte offset {_byte_offset(src, start)}, "
                f'expected "</{tag.name}>", found "</{name}>"'
            )
        self._pos = end + 1
        if self._length > tag.offset:
            self._add_entity(tag)

    def _add_entity(self, tag: _OpenTag) -> None:
        span: Entity = {"offset": tag.offset, "length": self._length - tag.offset}
        last = self._entities[-1] if self._entities else None
        same_span = (
            last is not None
            and last["offset"] == span["offset"]
            and (last["length"] == span["length"])
        )
        if tag.name in _HTML_SIMPLE:
            self._entities.append({"type": _HTML_SIMPLE[tag.name], **span})
        elif tag.name == "a":
            url = check_link(tag.argument or "".join(self._chunks[tag.chunk :]))
            if url is not None:
                self._entities.append({"type": "text_link", **span, "url": url})
        elif tag.name == "code":
            self._entities.append({"type": "code", **span, "_language": tag.argument})
        elif tag.name == "pre" and same_span and last is not None and last["type"] == "code":
            # <pre><code class="language-x">: one pre entity carrying the language
            language = last.pop("_language", "")
            last.clear()
            last.update({"type": "pre", **span})
            if language:
                last["language"] = language
        elif tag.name == "pre":
            self._entities.append({"type": "pre", **span})
        elif tag.name == "blockquote":
            kind = "expandable_blockquote" if tag.argument else "blockquote"
            self._entities.append({"type": kind, **span})
        elif tag.name == "tg-emoji":
            self._entities.append({"type": "custom_emoji", **span, "custom_emoji_id": tag.argument})


def _skip_spaces(src: str, index: int) -> int:
    while index < len(src) and src[index].isspace():
        index += 1
    return index


def _tag_argument(tag: str, attribute: str, value: str) -> str | None:
    if tag == "a" and attribute == "href":
        return value
    if tag == "code" and attribute == "class" and value.startswith("language-"):
        return value[len("language-") :]
    if tag == "span" and attribute == "class" and value.startswith("tg-"):
        return value[len("tg-") :]
    if tag == "tg-emoji" and attribute == "emoji-id":
        return value
    return None


# --- MarkdownV2 -------------------------------------------------------------------------------

_MD2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MD2_PLAIN = re.compile(r"[^_*\[\]()~`>#+\-=|{}.!\\\n]+")
_MD2_VERBATIM = re.compile(r"[^`\\]+")
_MD2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
}


@dataclass
class _MdOpen:
    kind: str
    offset: int
    start: int  # index in the source, for error messages
    chunk: int
    language: str = ""


class _MarkdownV2Parser:
    def __init__(self, source: str) -> None:
        self._src = source
        self._i = 0
        self._chunks: list[str] = []
        self._length = 0
        self._open: list[_MdOpen] = []
        self._entities: list[Entity] = []
        self._quote: int | None = None

    def parse(self) -> FormattedText:
        while self._i < len(self._src):
            self._step()
        self._end_quote()
        if self._open:
            top = self._open[-1]
            offset = _byte_offset(self._src, top.start)
            raise EntityParseError(
                f"Can't find end of {_MD2_NAMES[top.kind]} entity at byte offset {offset}"
            )
        return FormattedText("".join(self._chunks), sorted(self._entities, key=_entity_order))

    def _emit(self, chunk: str) -> None:
        self._chunks.append(chunk)
        self._length += utf16_len(chunk)

    def _step(self) -> None:
        src, i = self._src, self._i
        char = src[i]
        if char == "\\" and i + 1 < len(src) and 0 < ord(src[i + 1]) <= 126:
            self._emit(src[i + 1])
            self._i = i + 2
            return
        top = self._open[-1].kind if self._open else None
        if top in ("code", "pre"):
            self._step_verbatim(top == "pre")
            return
        plain = _MD2_PLAIN.match(src, i)
        if plain is not None:
            self._emit(plain.group())
            self._i = plain.end()
        elif char == "\n":
            self._newline()
        elif char == ">" and (i == 0 or src[i - 1] == "\n"):
            if self._quote is None:
                self._quote = self._length
            self._i = i + 1
        elif not self._close(char):
            self._open_entity(char)

    def _step_verbatim(self, pre: bool) -> None:
        # Inside code and pre every character but ` and \ is literal.
        src, i = self._src, self._i
        if pre and src.startswith("```", i):
            self._i = i + 3
            self._close_top()
        elif not pre and src[i] == "`":
            self._i = i + 1
            self._close_top()
        else:
            run = _MD2_VERBATIM.match(src, i)
            end = run.end() if run else i + 1
            self._emit(src[i:end])
            self._i = end

    def _newline(self) -> None:
        following = self._src[self._i + 1 : self._i + 2]
        if self._quote is not None and following != ">":
            self._end_quote()
        self._emit("\n")
        self._i += 1

    def _end_quote(self) -> None:
        if self._quote is not None and self._length > self._quote:
            self._entities.append(
                {"type": "blockquote", "offset": self._quote, "length": self._length - self._quote}
            )
        self._quote = None

    def _close(self, char: str) -> bool:
        if not self._open:
            return False
        kind = self._open[-1].kind
        following = self._src[self._i + 1 : self._i + 2]
        if kind == "text_link" and char == "]":
            self._close_link()
            return True
        width = 0
        if (kind, char) in (("bold", "*"), ("strikethrough", "~")):
            width = 1
        elif kind == "italic" and char == "_":
            underline_open = any(entity.kind == "underline" for entity in self._open)
            width = 1 if following != "_" or not underline_open else 0
        elif (kind, char, following) in (("underline", "_", "_"), ("spoiler", "|", "|")):
            width = 2
        if not width:
            return False
        self._i += width
        self._close_top()
        return True

    def _close_top(self) -> None:
        top = self._open.pop()
        if self._length > top.offset:
            entity: Entity = {
                "type": top.kind,
                "offset": top.offset,
                "length": self._length - top.offset,
            }
            if top.language:
                entity["language"] = top.language
            self._entities.append(entity)

    def _close_link(self) -> None:
        top = self._open.pop()
        src, index = self._src, self._i + 1
        url = "".join(self._chunks[top.chunk :])
        if src.startswith("(", index):
            url, index = self._read_url(index + 1)
        self._i = index
        link = check_link(url)
        if self._length > top.offset and link is not None:
            length = self._length - top.offset
            self._entities.append(
                {"type": "text_link", "offset": top.offset, "length": length, "url": link}
            )

    def _read_url(self, index: int) -> tuple[str, int]:
        src, start, url = self._src, index, []
        while index < len(src) and src[index] != ")":
            if src[index] == "\\" and index + 1 < len(src):
                index += 1
            url.append(src[index])
            index += 1
        if index >= len(src):
            offset = _byte_offset(src, start)
            raise EntityParseError(f"Can't find end of a URL at byte offset {offset}")
        return "".join(url), index + 1

    def _open_entity(self, char: str) -> None:
        src, i = self._src, self._i
        following = src[i + 1 : i + 2]
        if char == "`" and src.startswith("```", i):
            self._open_pre()
            return
        kinds = {"*": "bold", "~": "strikethrough", "[": "text_link", "`": "code"}
        if char == "_":
            kind, width = ("underline", 2) if following == "_" else ("italic", 1)
        elif char == "|" and following == "|":
            kind, width = "spoiler", 2
        elif char in kinds:
            kind, width = kinds[char], 1
        else:
            raise EntityParseError(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        self._open.append(_MdOpen(kind, self._length, i, len(self._chunks)))
        self._i = i + width

    def _open_pre(self) -> None:
        src, start = self._src, self._i
        index = start + 3
        language_end = index
        while language_end < len(src) and not src[language_end].isspace():
            if src[language_end] == "`":
                break
            language_end += 1
        language = ""
        if language_end > index and language_end < len(src) and src[language_end] != "`":
            language, index = src[index:language_end], language_end
        # like Telegram, one line break right after the opening fence is not part of the code
        if src[index : index + 2] in ("\r\n", "\n\r"):
            index += 2
        elif src[index : index + 1] in ("\n", "\r"):
            index += 1
        self._open.append(_MdOpen("pre", self._length, start, len(self._chunks), language))
        self._i = index


# --- legacy Markdown --------------------------------------------------------------------------

_LEGACY_KINDS = {"_": "italic", "*": "bold", "`": "code", "[": "text_link"}


def _parse_legacy_markdown(source: str) -> FormattedText:
    chunks: list[str] = []
    entities: list[Entity] = []
    length, i = 0, 0
    while i < len(source):
        char = source[i]
        if char == "\\" and source[i + 1 : i + 2] in ("_", "*", "`", "["):
            chunks.append(source[i + 1])
            length += 1
            i += 2
            continue
        if char not in _LEGACY_KINDS:
            chunks.append(char)
            length += utf16_len(char)
            i += 1
            continue
        inner, i, entity = _legacy_entity(source, i)
        if entity is not None and inner:
            entities.append({**entity, "offset": length, "length": utf16_len(inner)})
        chunks.append(inner)
        length += utf16_len(inner)
    return FormattedText("".join(chunks), sorted(entities, key=_entity_order))


def _legacy_entity(source: str, start: int) -> tuple[str, int, Entity | None]:
    """The text inside the entity opened at `start`, the index after it, and its entity."""
    char = source[start]
    pre = source.startswith("```", start)
    end_marker = "```" if pre else ("]" if char == "[" else char)
    body_start = start + (3 if pre else 1)
    end = source.find(end_marker, body_start)
    if end < 0:
        offset = _byte_offset(source, start)
        raise EntityParseError(f"Can't find end of the entity starting at byte offset {offset}")
    inner, after = source[body_start:end], end + len(end_marker)
    if pre:
        language, newline, code = inner.partition("\n")
        if newline and language and not any(c.isspace() for c in language):
            return code, after, {"type": "pre", "language": language}
        return inner, after, {"type": "pre"}
    if char != "[":
        return inner, after, {"type": _LEGACY_KINDS[char]}
    url = inner
    if source.startswith("(", after):
        close = source.find(")", after)
        if close >= 0:
            url, after = source[after + 1 : close], close + 1
    link = check_link(url)
    return inner, after, ({"type": "text_link", "url": link} if link else None)
