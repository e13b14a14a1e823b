"""The Bot API over real HTTP, through a real PTB Bot and through raw requests."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    ReplyParameters,
)
from telegram.error import BadRequest, Forbidden, InvalidToken

from emulator.models import Button
from emulator.server import BotApiEmulator
from tests.emulator.conftest import USER

KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Salva", callback_data="save")]])


async def raw_call(emulator: BotApiEmulator, method: str, **kwargs: object) -> tuple[int, dict]:  # type: ignore[type-arg]
    async with aiohttp.ClientSession() as session:
        url = f"{emulator.base_url}{emulator.token}/{method}"
        async with session.post(url, **kwargs) as response:  # type: ignore[arg-type]
            return response.status, await response.json()


async def test_get_me_describes_the_bot(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "SentinellaTestBot", True)


async def test_wrong_token_and_unknown_method_answer_like_telegram(
    emulator: BotApiEmulator,
) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{emulator.base_url}999:WRONG/getMe") as response,
    ):
        assert response.status == 401
        assert await response.json() == {
            "ok": False,
            "error_code": 401,
            "description": "Unauthorized",
        }
    status, body = await raw_call(emulator, "sendTelepathy")
    assert (status, body["description"]) == (404, "Not Found")
    with pytest.raises(InvalidToken):
        await Bot("999:WRONG", base_url=emulator.base_url).get_me()


async def test_json_form_and_multipart_parameters_are_all_accepted(
    emulator: BotApiEmulator,
) -> None:
    emulator.open_chat(7, "Lia")
    markup = {"inline_keyboard": [[{"text": "Ok", "callback_data": "ok"}]]}
    status, body = await raw_call(
        emulator, "sendMessage", json={"chat_id": 7, "text": "json", "reply_markup": markup}
    )
    assert status == 200 and body["result"]["reply_markup"] == markup
    form = {"chat_id": "7", "text": "form", "reply_markup": json.dumps(markup)}
    status, body = await raw_call(emulator, "sendMessage", data=form)
    assert status == 200 and body["result"]["text"] == "form"
    multipart = aiohttp.FormData({"chat_id": "7", "caption": "multi"})
    multipart.add_field("document", b"abc", filename="a.txt", content_type="text/plain")
    status, body = await raw_call(emulator, "sendDocument", data=multipart)
    assert status == 200 and body["result"]["document"]["file_name"] == "a.txt"


async def test_message_ids_are_shared_per_chat_and_grow(emulator: BotApiEmulator, bot: Bot) -> None:
    first = emulator.send_text(USER, "ciao")["message_id"]
    reply = await bot.send_message(USER, "risposta")
    second = emulator.send_text(USER, "ancora")["message_id"]
    assert (first, reply.message_id, second) == (1, 2, 3)
    emulator.open_chat(77, "Altro")
    assert (await bot.send_message(77, "primo")).message_id == 1


async def test_a_sent_message_is_a_full_message_object(emulator: BotApiEmulator, bot: Bot) -> None:
    moment = datetime(2026, 11, 17, 8, 30, tzinfo=UTC)
    emulator.clock = lambda: moment
    sent = await bot.send_message(
        USER, "<b>Caso</b> aperto", parse_mode="HTML", reply_markup=KEYBOARD
    )
    assert sent.text == "Caso aperto" and sent.date == moment
    assert sent.parse_entity(sent.entities[0]) == "Caso"
    assert sent.from_user is not None and sent.from_user.is_bot
    assert sent.chat.first_name == "Mario" and sent.chat.type == "private"
    assert sent.reply_markup == KEYBOARD
    stored = emulator.last_message(USER)
    assert stored is not None and stored.reply_markup == [[Button("Salva", "save")]]
    assert stored.parse_mode == "HTML"


@pytest.mark.parametrize(
    ("text", "parse_mode", "error"),
    [
        ("a < b", "HTML", "Can't parse entities: unsupported start tag"),
        ("<b>aperto", "HTML", "Can't parse entities: can't find end tag"),
        ("Rossi & figli", "HTML", "Can't parse entities"),
        ("Fine.", "MarkdownV2", "Can't parse entities: character '.' is reserved"),
        ("x", "Klingon", "Unsupported parse_mode"),
        ("   ", None, "Message text is empty"),
        ("a" * 4097, None, "Message is too long"),
        ("😷" * 2049, None, "Message is too long"),
    ],
)
async def test_invalid_texts_are_bad_requests(
    bot: Bot, text: str, parse_mode: str | None, error: str
) -> None:
    with pytest.raises(BadRequest) as caught:
        await bot.send_message(USER, text, parse_mode=parse_mode)
    assert caught.value.message.lower().startswith(error.lower())


async def test_the_limit_counts_text_after_parsing(bot: Bot) -> None:
    sent = await bot.send_message(USER, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")
    assert len(sent.text or "") == 4096


@pytest.mark.parametrize("data", ["x" * 65, "è" * 33, ""])
async def test_callback_data_over_64_bytes_or_empty_is_refused(bot: Bot, data: str) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Troppo", callback_data=data)]])
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(USER, "x", reply_markup=markup)


async def test_a_button_without_action_is_refused(emulator: BotApiEmulator, bot: Bot) -> None:
    markup = {"inline_keyboard": [[{"text": "Niente"}]]}
    status, body = await raw_call(
        emulator, "sendMessage", json={"chat_id": USER, "text": "x", "reply_markup": markup}
    )
    assert status == 400 and "Text buttons are unallowed" in body["description"]


async def test_edits_replace_text_and_drop_the_keyboard_unless_repeated(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    sent = await bot.send_message(USER, "Confermi?", reply_markup=KEYBOARD)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Confermi?", USER, sent.message_id, reply_markup=KEYBOARD)
    edited = await bot.edit_message_text("Confermato", USER, sent.message_id)
    assert isinstance(edited, type(sent)) and edited.text == "Confermato"
    stored = emulator.message(USER, sent.message_id)
    assert stored is not None
    assert (stored.text, stored.reply_markup, stored.edit_count) == ("Confermato", [], 1)
    assert stored.markup_history == [[[Button("Salva", "save")]]]
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(USER, sent.message_id)
    await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=KEYBOARD)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", USER, 999)


async def test_deleting_twice_fails_the_second_time(emulator: BotApiEmulator, bot: Bot) -> None:
    sent = await bot.send_message(USER, "temporaneo")
    assert await bot.delete_message(USER, sent.message_id)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(USER, sent.message_id)
    stored = emulator.message(USER, sent.message_id)
    assert stored is not None and stored.deleted
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", USER, sent.message_id)


async def test_deleting_several_at_once_skips_the_missing(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    typed = emulator.send_text(USER, "RSSMRA85T10A562S")["message_id"]
    ours = await bot.send_message(USER, "temporaneo")
    assert await bot.delete_messages(USER, [typed, ours.message_id, 999])
    assert emulator.user_messages(USER) == []
    stored = emulator.message(USER, ours.message_id)
    assert stored is not None and stored.deleted
    with pytest.raises(BadRequest, match="not specified"):
        await bot.delete_messages(USER, [])
    with pytest.raises(BadRequest, match="Invalid message identifiers"):
        await bot.delete_messages(USER, list(range(1, 102)))


async def test_callback_queries_are_answered_once(emulator: BotApiEmulator, bot: Bot) -> None:
    sent = await bot.send_message(USER, "Scegli", reply_markup=KEYBOARD)
    query_id = emulator.press_button(USER, sent.message_id, "save")
    [update] = await bot.get_updates(timeout=1)
    query = update.callback_query
    assert query is not None and query.id == query_id and query.data == "save"
    assert query.message is not None and query.message.message_id == sent.message_id
    assert emulator.unanswered_callbacks() == [query_id]
    await query.answer("Salvato", show_alert=True)
    answer = emulator.callback_answers[query_id]
    assert (answer.text, answer.show_alert, answer.data) == ("Salvato", True, "save")
    with pytest.raises(BadRequest, match="Query is too old"):
        await query.answer()
    with pytest.raises(LookupError):
        emulator.press_button(USER, sent.message_id, "forged")


async def test_forged_press_on_a_deleted_message_is_inaccessible(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    sent = await bot.send_message(USER, "Scegli", reply_markup=KEYBOARD)
    await bot.delete_message(USER, sent.message_id)
    emulator.forge_callback(USER, sent.message_id, "save")
    [update] = await bot.get_updates(timeout=1)
    assert update.callback_query is not None and update.callback_query.message is not None
    assert not update.callback_query.message.is_accessible


async def test_bot_documents_are_stored_and_downloadable(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    content = b"plesso;casi\nMI001;3\n"
    sent = await bot.send_document(
        USER, InputFile(content, filename="report.csv"), caption="<i>Report</i>", parse_mode="HTML"
    )
    assert sent.document is not None and sent.document.file_name == "report.csv"
    assert sent.caption == "Report" and sent.caption_entities[0].type == "italic"
    stored = emulator.last_message(USER)
    assert stored is not None and stored.document is not None
    assert (stored.document.filename, stored.document.content) == ("report.csv", content)
    assert stored.document.mime_type == "text/csv"
    again = await (await bot.get_file(sent.document.file_id)).download_as_bytearray()
    assert bytes(again) == content
    photo = await bot.send_photo(USER, b"\x89PNG\r\n\x1a\n" + bytes(8) + b"\x00\x00\x00\x02" * 2)
    assert photo.photo[-1].width == 2
    last = emulator.last_message(USER)
    assert last is not None and last.photo is not None


async def test_user_files_reach_the_bot_and_download(emulator: BotApiEmulator, bot: Bot) -> None:
    emulator.send_document(USER, "elenco.csv", b"a;b\n", caption="ecco")
    emulator.send_photo(USER, b"\xff\xd8jpeg")
    document_update, photo_update = await bot.get_updates(timeout=1)
    document = document_update.message.document  # type: ignore[union-attr]
    assert document is not None
    assert (document.file_name, document.mime_type, document.file_size) == (
        "elenco.csv",
        "text/csv",
        4,
    )
    assert document_update.message.caption == "ecco"  # type: ignore[union-attr]
    data = await (await bot.get_file(document.file_id)).download_as_bytearray()
    assert bytes(data) == b"a;b\n"
    photo = photo_update.message.photo[-1]  # type: ignore[union-attr]
    assert bytes(await (await photo.get_file()).download_as_bytearray()) == b"\xff\xd8jpeg"


async def test_files_over_20_megabytes_cannot_be_downloaded(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    emulator.send_document(USER, "enorme.zip", bytes(20 * 1024 * 1024 + 1))
    [update] = await bot.get_updates(timeout=1)
    assert update.message is not None and update.message.document is not None
    with pytest.raises(BadRequest, match="File is too big"):
        await bot.get_file(update.message.document.file_id)


async def test_blocked_user_gives_forbidden_and_a_member_update(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    emulator.block_bot(USER)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "ci sei?")
    [update] = await bot.get_updates(timeout=1)
    assert update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == "kicked"
    emulator.unblock_bot(USER)
    assert (await bot.send_message(USER, "bentornato")).text == "bentornato"


async def test_unknown_chats_are_not_found(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(31337, "chi sei?")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.set_my_commands([BotCommand("start", "Inizia")], scope=BotCommandScopeChat(31337))


async def test_commands_are_kept_per_scope(emulator: BotApiEmulator, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("start", "Inizia"), BotCommand("aiuto", "Aiuto")])
    await bot.set_my_commands([BotCommand("scuole", "Plessi")], scope=BotCommandScopeChat(USER))
    assert emulator.commands() == [("start", "Inizia"), ("aiuto", "Aiuto")]
    assert emulator.commands({"type": "chat", "chat_id": USER}) == [("scuole", "Plessi")]
    assert emulator.commands(BotCommandScopeChat(USER)) == [("scuole", "Plessi")]
    chat_menu = await bot.get_my_commands(scope=BotCommandScopeChat(USER))
    assert [c.command for c in chat_menu] == ["scuole"]
    await bot.delete_my_commands(scope=BotCommandScopeChat(USER))
    assert emulator.commands(BotCommandScopeChat(USER)) == []
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Scuole!", "x")])


async def test_chat_action_chat_info_menu_button_and_webhook(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    assert await bot.send_chat_action(USER, "typing")
    assert emulator.chat_action(USER) == "typing"
    chat = await bot.get_chat(USER)
    assert (chat.first_name, chat.username) == ("Mario", "mrossi")
    assert await bot.set_chat_menu_button()
    assert await bot.set_webhook("https://example.org/hook")
    assert (await bot.get_webhook_info()).url == "https://example.org/hook"
    assert await bot.delete_webhook()
    assert emulator.webhook_url == ""


async def test_replies_carry_the_replied_message(emulator: BotApiEmulator, bot: Bot) -> None:
    question = emulator.send_text(USER, "quando?")["message_id"]
    answer = await bot.send_message(USER, "domani", reply_parameters=ReplyParameters(question))
    assert answer.reply_to_message is not None and answer.reply_to_message.text == "quando?"
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(USER, "x", reply_parameters=ReplyParameters(999))


async def test_commands_from_people_carry_bot_command_entities(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    emulator.send_text(USER, "/start@SentinellaTestBot ABC123")
    [update] = await bot.get_updates(timeout=1)
    assert update.message is not None
    assert update.message.parse_entities(["bot_command"]) == {
        update.message.entities[0]: "/start@SentinellaTestBot"
    }
