"""AiohttpRequest, the bot's transport, against the Bot API emulator over real HTTP."""

from __future__ import annotations

import asyncio
import io
import logging
import socket
import time
import traceback
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiohttp import ClientResponseError, RequestInfo
from multidict import CIMultiDict, CIMultiDictProxy
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import BaseRequest, HTTPXRequest, RequestData
from yarl import URL

from bot.request import AiohttpRequest, _describe
from emulator.server import BotApiEmulator
from tests.emulator.conftest import retry_seconds
from tests.unit.recording_request import RecordingRequest

TOKEN = "123456:UNIT-TOKEN-abcdefghijklmnopqrstuvwxyz"
USER = 4242

# PTB itself warns, inside RetryAfter, that retry_after will become a timedelta.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(token=TOKEN) as running:
        running.open_chat(USER, "Mario")
        yield running


def _bot(
    emulator: BotApiEmulator,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
) -> Bot:
    return Bot(
        TOKEN,
        base_url=emulator.base_url,
        base_file_url=emulator.base_file_url,
        request=request or AiohttpRequest(),
        get_updates_request=get_updates_request or AiohttpRequest(connection_pool_size=1),
    )


@pytest.fixture
async def bot(emulator: BotApiEmulator) -> AsyncIterator[Bot]:
    async with _bot(emulator) as client:
        yield client


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port on 127.0.0.1 where nothing listens: connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    yield port


def _url(port: int, method: str = "getMe") -> str:
    return f"http://127.0.0.1:{port}/bot{TOKEN}/{method}"


async def _document_call(upload: InputFile) -> RequestData:
    """What PTB's Bot hands the request for sendDocument(USER, upload), taken from the Bot
    itself (the parameter objects it builds are not public)."""
    recorder = RecordingRequest(USER)
    bot = Bot(TOKEN, request=recorder, get_updates_request=RecordingRequest(USER))
    await bot.send_document(USER, upload)
    assert recorder.calls
    return recorder.calls[-1]


# --- calls that work ------------------------------------------------------------------------


async def test_get_me_and_send_message_with_html_and_accents(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    me = await bot.get_me()
    assert (me.id, me.username) == (123456, "SentinellaTestBot")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Sì & no", callback_data="a=1&b=2")]])
    sent = await bot.send_message(
        USER, "Perché <b>così</b> &amp; più + 100%", parse_mode="HTML", reply_markup=keyboard
    )
    assert sent.text == "Perché così & più + 100%"
    stored = emulator.messages(USER)[-1]
    assert stored.text == "Perché così & più + 100%"
    assert [(b.text, b.data) for b in stored.buttons] == [("Sì & no", "a=1&b=2")]


async def test_document_upload_from_bytes_and_from_files(
    emulator: BotApiEmulator, bot: Bot, tmp_path: Path
) -> None:
    content = "plesso;casi\nMI001;3\nàèìòù;€\n".encode()
    sent = await bot.send_document(
        USER, content, filename="casi.csv", caption="Il <b>report</b>", parse_mode="HTML"
    )
    stored = emulator.messages(USER)[-1]
    assert stored.document is not None and stored.document.content == content
    assert (stored.document.filename, stored.caption) == ("casi.csv", "Il report")
    assert sent.document is not None and sent.document.file_name == "casi.csv"

    await bot.send_document(USER, io.BytesIO(b"\x00\x01binary\xff"), filename="dati.bin")
    stored = emulator.messages(USER)[-1]
    assert stored.document is not None and stored.document.content == b"\x00\x01binary\xff"

    path = tmp_path / "relazione finale.pdf"
    path.write_bytes(b"%PDF-1.4 " + bytes(range(256)) * 400)
    with path.open("rb") as handle:
        await bot.send_document(USER, handle)
    stored = emulator.messages(USER)[-1]
    assert stored.document is not None
    assert stored.document.content == path.read_bytes()
    assert stored.document.filename == "relazione finale.pdf"
    assert stored.document.mime_type == "application/pdf"


async def test_a_retried_upload_from_a_file_handle_sends_the_whole_file(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    """As httpx does, a handle is read from its start: the rate limiter's retry after a 429
    sends the same RequestData again, and the file must not arrive empty the second time."""
    handle = io.BytesIO(b"contenuto intero")
    upload = InputFile(handle, filename="dati.txt", read_file_handle=False)
    data = await _document_call(upload)
    url = f"{emulator.base_url}{TOKEN}/sendDocument"
    emulator.fail_next("sendDocument", status=429, retry_after=1)
    async with AiohttpRequest() as request:
        with pytest.raises(RetryAfter):
            await request.post(url, data)
        await request.post(url, data)
    stored = emulator.messages(USER)[-1].document
    assert stored is not None and stored.content == b"contenuto intero"


async def test_multipart_names_are_encoded_as_httpx_encodes_them(
    emulator: BotApiEmulator,
) -> None:
    """The same odd filename reaches the server identically through both transports."""
    filename = 'verbale "prima" \\ seconda\tè.csv'
    seen = []
    for request in (HTTPXRequest(), AiohttpRequest()):
        async with _bot(emulator, request=request) as client:
            await client.send_document(USER, b"x", filename=filename)
        document = emulator.messages(USER)[-1].document
        assert document is not None
        seen.append((document.filename, document.mime_type))
    assert seen[0] == seen[1]


async def test_file_round_trip_through_get_file(emulator: BotApiEmulator, bot: Bot) -> None:
    content = bytes(range(256)) * 1000
    sent = await bot.send_document(USER, content, filename="blob.bin")
    assert sent.document is not None
    file = await bot.get_file(sent.document.file_id)
    assert bytes(await file.download_as_bytearray()) == content

    message = emulator.send_document(USER, "assenze.csv", b"classe;assenti\n1A;2\n", "text/csv")
    document = message["document"]
    received = await (await bot.get_file(document["file_id"])).download_as_bytearray()
    assert bytes(received) == b"classe;assenti\n1A;2\n"


async def test_get_updates_long_polls_beyond_the_read_timeout(emulator: BotApiEmulator) -> None:
    """PTB adds the long-poll timeout to the getUpdates read timeout, so a poll longer than
    `read_timeout` is not a timeout; an update ends the wait at once."""
    poller = AiohttpRequest(connection_pool_size=1, read_timeout=0.3)
    async with _bot(emulator, get_updates_request=poller) as client:
        started = time.monotonic()
        assert await client.get_updates(timeout=1) == ()
        assert 0.9 <= time.monotonic() - started < 3

        async def later() -> None:
            await asyncio.sleep(0.2)
            emulator.send_text(USER, "ciao")

        typing = asyncio.create_task(later())
        started = time.monotonic()
        updates = await client.get_updates(timeout=5)
        await typing
        assert time.monotonic() - started < 2
        assert [u.message.text for u in updates if u.message] == ["ciao"]
        assert await client.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()


async def test_many_concurrent_calls_share_the_pool(emulator: BotApiEmulator) -> None:
    async with _bot(emulator, request=AiohttpRequest(connection_pool_size=4)) as client:
        sent = await asyncio.gather(*(client.send_message(USER, f"n. {i}") for i in range(40)))
    assert sorted(m.text or "" for m in sent) == sorted(f"n. {i}" for i in range(40))
    assert emulator.stats.calls["sendMessage"] == 40


# --- Bot API errors ---------------------------------------------------------------------------


async def test_bot_api_errors_become_ptb_exceptions(emulator: BotApiEmulator, bot: Bot) -> None:
    emulator.fail_next("sendMessage", status=400, description="Bad Request: chat not found")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(USER, "x")

    emulator.fail_next("sendMessage", status=429, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(USER, "x")
    assert retry_seconds(caught.value) == 7

    emulator.fail_next("sendMessage", status=403, description="Forbidden: bot was blocked")
    with pytest.raises(Forbidden, match="bot was blocked"):
        await bot.send_message(USER, "x")

    emulator.fail_next("getMe", status=502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.get_me()

    assert (await bot.send_message(USER, "dopo")).text == "dopo"


# --- transport failures -----------------------------------------------------------------------


async def test_dropped_connection_is_a_network_error(emulator: BotApiEmulator, bot: Bot) -> None:
    emulator.drop_connection_next("sendMessage")
    with pytest.raises(NetworkError) as caught:
        await bot.send_message(USER, "perso")
    assert not isinstance(caught.value, TimedOut)
    emulator.drop_connection_next("sendMessage", after_processing=True)
    with pytest.raises(NetworkError):
        await bot.send_message(USER, "arrivato, risposta persa")
    assert [m.text for m in emulator.messages(USER)] == ["arrivato, risposta persa"]
    assert (await bot.send_message(USER, "di nuovo")).text == "di nuovo"  # the pool recovered


async def test_slow_answer_is_a_read_timeout(emulator: BotApiEmulator) -> None:
    async with _bot(emulator, request=AiohttpRequest(read_timeout=0.2)) as client:
        emulator.latency = 0.6
        started = time.monotonic()
        with pytest.raises(TimedOut):
            await client.send_message(USER, "lento")
        assert time.monotonic() - started < 0.55
        # A read timeout given to the call wins over the default (BaseRequest.DEFAULT_NONE).
        assert (await client.send_message(USER, "ok", read_timeout=3)).text == "ok"


async def test_per_call_timeouts_override_the_defaults(emulator: BotApiEmulator, bot: Bot) -> None:
    emulator.latency = 0.4
    with pytest.raises(TimedOut):
        await bot.get_me(read_timeout=0.1)
    assert (await bot.get_me()).username == "SentinellaTestBot"  # default of 5 s
    # None: no timeout at all.
    assert (await bot.get_me(read_timeout=None)).username == "SentinellaTestBot"


async def test_refused_connection_is_a_network_error_not_a_timeout(closed_port: int) -> None:
    async with AiohttpRequest() as request:
        with pytest.raises(NetworkError, match="Cannot connect") as caught:
            await request.post(_url(closed_port))
    assert not isinstance(caught.value, TimedOut)


async def test_unanswered_connect_is_a_timeout() -> None:
    """A listener whose accept queue is full drops the SYN (Linux, by default): the connect
    times out, and aiohttp's message for that, which quotes the URL, is masked."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = int(listener.getsockname()[1])
        fillers = [socket.socket() for _ in range(4)]
        try:
            for filler in fillers:
                filler.setblocking(False)
                filler.connect_ex(("127.0.0.1", port))
            async with AiohttpRequest(connect_timeout=0.3) as request:
                started = time.monotonic()
                with pytest.raises(NetworkError) as caught:
                    await request.post(_url(port))
                assert time.monotonic() - started < 2
        finally:
            for filler in fillers:
                filler.close()
    if not isinstance(caught.value, TimedOut):
        pytest.skip(f"this system refuses instead of ignoring the connection: {caught.value}")
    assert TOKEN not in str(caught.value)
    assert TOKEN not in "".join(traceback.format_exception(caught.value))


async def test_busy_pool_times_out_with_ptbs_pool_message(emulator: BotApiEmulator) -> None:
    emulator.latency = 0.3
    url = f"{emulator.base_url}{TOKEN}/getMe"
    async with AiohttpRequest(connection_pool_size=1, pool_timeout=0.1) as small:
        results = await asyncio.gather(small.post(url), small.post(url), return_exceptions=True)
        assert isinstance(results[0], dict)
        assert isinstance(results[1], TimedOut) and "Pool timeout" in str(results[1])
        # Without a pool timeout the second call waits its turn.
        both = await asyncio.gather(
            small.post(url, pool_timeout=None), small.post(url, pool_timeout=None)
        )
        assert all(isinstance(result, dict) for result in both)
    assert emulator.stats.calls["getMe"] == 3  # the timed-out call never left


async def test_stalled_upload_is_a_write_timeout() -> None:
    """A server that never reads the body: the upload's writes stop, media_write_timeout ends it."""

    async def never_read(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(10)

    server = await asyncio.start_server(never_read, "127.0.0.1", 0)
    port = int(server.sockets[0].getsockname()[1])
    data = await _document_call(InputFile(b"x" * (16 * 1024 * 1024), filename="big.bin"))
    try:
        async with AiohttpRequest(media_write_timeout=0.3) as request:
            started = time.monotonic()
            with pytest.raises(TimedOut, match="Write timeout"):
                await request.post(_url(port, "sendDocument"), data)
            assert time.monotonic() - started < 5
    finally:
        server.close()


# --- life cycle and secrecy -----------------------------------------------------------------


async def test_life_cycle_and_defaults(emulator: BotApiEmulator, closed_port: int) -> None:
    request = AiohttpRequest(connection_pool_size=3, read_timeout=7.5)
    assert (request.read_timeout, request.connection_pool_size) == (7.5, 3)
    assert AiohttpRequest(read_timeout=None).read_timeout is None
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request(_url(closed_port), "POST")
    url = f"{emulator.base_url}{TOKEN}/getMe"
    await request.initialize()
    await request.initialize()  # idempotent
    assert (await request.post(url))["id"] == 123456  # type: ignore[call-overload,index]
    await request.shutdown()
    await request.shutdown()  # idempotent
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request(url, "POST")
    async with request:  # a shut-down request can be initialized again
        assert (await request.post(url))["id"] == 123456  # type: ignore[call-overload,index]
    with pytest.raises(ValueError, match="pool"):
        AiohttpRequest(connection_pool_size=0)


async def test_the_token_is_never_logged_nor_in_errors(
    emulator: BotApiEmulator, closed_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[TelegramError] = []
    client = _bot(emulator, request=AiohttpRequest(read_timeout=0.2))
    caplog.clear()  # PTB's Bot logs its own URLs when built; the requests must log none
    async with client:
        await client.send_message(USER, "ciao")
        await client.send_document(USER, b"x", filename="a.txt")
        await client.get_updates(timeout=0)
        faults = [
            lambda: emulator.drop_connection_next("sendMessage"),
            lambda: emulator.fail_next("sendMessage", status=429),
            lambda: emulator.fail_next("sendMessage", status=400),
            lambda: setattr(emulator, "latency", 0.5),  # beyond the read timeout
        ]
        for inject in faults:
            inject()
            with pytest.raises(TelegramError) as caught:
                await client.send_message(USER, "x")
            errors.append(caught.value)
        emulator.latency = 0
    async with AiohttpRequest() as request:
        with pytest.raises(NetworkError) as refused:
            await request.post(_url(closed_port))
        errors.append(refused.value)
    assert len(errors) == 5
    assert TOKEN not in caplog.text
    for error in errors:
        assert TOKEN not in "".join(traceback.format_exception(error))


def test_error_descriptions_mask_the_url_and_token() -> None:
    url = f"https://api.telegram.org/bot{TOKEN}/sendMessage"
    info = RequestInfo(URL(url), "POST", CIMultiDictProxy(CIMultiDict()), URL(url))
    error = ClientResponseError(info, (), status=400, message="Invalid HTTP response")
    text = _describe(error, url)
    assert TOKEN not in text and "aiohttp.ClientResponseError" in text
    assert TOKEN not in _describe(ValueError(f"bad {url} and /bot{TOKEN}/x"), url)
    file_url = f"https://api.telegram.org/file/bot{TOKEN}/documents/file_1.csv"
    assert TOKEN not in _describe(OSError(f"oops {file_url}"), file_url)
