"""An aiohttp transport for python-telegram-bot: `AiohttpRequest`, a drop-in `BaseRequest`.

PTB's default transport (httpx) costs over twice the CPU per Bot API call (six times or more
with concurrent calls, measured against the emulator on loopback). This one keeps the contract
of `telegram.request.HTTPXRequest`:

* the same constructor defaults (pool of 256, read/write/connect timeouts of 5 s, pool timeout
  of 1 s, media write timeout of 20 s) and the same meaning of `BaseRequest.DEFAULT_NONE`
  (use the default set here) versus `None` (no timeout) for each call;
* parameters go as a URL-encoded form, or as multipart/form-data when there are files, with
  `RequestData.json_parameters` as the form fields, exactly what httpx is given by PTB;
* a timeout raises `telegram.error.TimedOut` (waiting for a free connection included, with
  PTB's "Pool timeout" message), any other transport failure `telegram.error.NetworkError`,
  so PTB's rate limiter and our start-up retry see what they saw with httpx.

What differs from httpx, on purpose: proxies (also from HTTPS_PROXY/ALL_PROXY, which httpx
would honour), HTTP/2 and socket options are not offered; the write timeout bounds each write
of a file upload only (aiohttp has no write timeout of its own, and an ordinary call's form is
small enough for the socket buffer to take at once). Error messages never carry the request
URL, which holds the bot token.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import os
import re
import warnings
from collections.abc import Mapping
from typing import IO, Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractStreamWriter
from aiohttp.payload import BytesPayload
from telegram import Bot
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from telegram.warnings import PTBUserWarning

_LOGGER = logging.getLogger(__name__)

_FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
_WRITE_CHUNK = 64 * 1024
_POOL_TIMEOUT_MESSAGE = (
    "Pool timeout: All connections in the connection pool are occupied. "
    "Request was *not* sent to Telegram. Consider adjusting the connection "
    "pool size or the pool timeout."
)
# The token sits in the path, after "/bot" ("/file/bot" for downloads).
_TOKEN_IN_PATH = re.compile(r"(/bot)[^/\s'\"]+")
# How httpx escapes names in Content-Disposition (the HTML5 form encoding).
_FORM_ESCAPES = {chr(c): f"%{c:02X}" for c in range(0x20) if c != 0x1B}
_FORM_ESCAPES.update({'"': "%22", "\\": "\\\\"})
_FORM_ESCAPE_RE = re.compile("|".join(re.escape(c) for c in _FORM_ESCAPES))

# (filename, content, MIME type), as python-telegram-bot's RequestData gives a file
_UploadFile = tuple[str | None, bytes | IO[bytes], str]


# `call_unparsed` goes through `Bot.do_api_request` on purpose (see there): python-telegram-bot
# suggests the typed method instead, once per call site.
warnings.filterwarnings(
    "ignore",
    message=r"Please use 'Bot\.\w+' instead of 'Bot\.do_api_request",
    category=PTBUserWarning,
)


async def call_unparsed(bot: Bot, method: str, **parameters: Any) -> Any:
    """Call the Bot API's `method` and return Telegram's raw result (a dict, or True), not
    parsed into python-telegram-bot objects: for the calls whose answer nobody reads. Parsing
    a sent message's echo into a `Message` was 12% of the bot's CPU per update under load
    (benchmarks/load.py, cProfile), and every reply and every closed keyboard returns one.

    Through `Bot.do_api_request`, python-telegram-bot's public way to make a call without a
    return type: the rate limiter, the retries, the timeouts and the errors are those of
    every other call. Parameters go as given (None ones left out): `Defaults` are not
    applied, so pass `parse_mode` and the like explicitly."""
    api_kwargs = {name: value for name, value in parameters.items() if value is not None}
    return await bot.do_api_request(method, api_kwargs=api_kwargs)


class _PoolTimeout(Exception):
    """No connection of the pool became free within the pool timeout."""


class AiohttpRequest(BaseRequest):
    """`BaseRequest` over one `aiohttp.ClientSession` with a pool of `connection_pool_size`.

    The session is created in `initialize()` (aiohttp binds it to the running event loop) and
    closed in `shutdown()`; `initialize()` after `shutdown()` opens a new one. The arguments
    mean what they mean for `telegram.request.HTTPXRequest`.
    """

    __slots__ = (
        "_connect_timeout",
        "_default_timeout",
        "_keepalive_timeout",
        "_media_write_timeout",
        "_pool",
        "_pool_size",
        "_pool_timeout",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
        keepalive_timeout: float = 5.0,  # httpx's keep-alive expiry
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._keepalive_timeout = keepalive_timeout
        self._default_timeout = _client_timeout(connect_timeout, read_timeout)
        self._session: aiohttp.ClientSession | None = None
        self._pool: asyncio.Semaphore | None = None

    @property
    def read_timeout(self) -> float | None:
        """See `BaseRequest.read_timeout`: the read timeout given to the constructor."""
        return self._read_timeout

    @property
    def connection_pool_size(self) -> int:
        return self._pool_size

    async def initialize(self) -> None:
        """See `BaseRequest.initialize`."""
        if self._session is not None and not self._session.closed:
            return
        connector = aiohttp.TCPConnector(
            limit=self._pool_size,
            limit_per_host=0,
            keepalive_timeout=self._keepalive_timeout,
            ttl_dns_cache=300,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=self._default_timeout,
            headers={"User-Agent": self.USER_AGENT},
            cookie_jar=aiohttp.DummyCookieJar(),  # the Bot API sets no cookies
            raise_for_status=False,
            trust_env=False,  # proxy-less: HTTPS_PROXY & co. are ignored (httpx honours them)
        )
        self._pool = asyncio.Semaphore(self._pool_size)

    async def shutdown(self) -> None:
        """See `BaseRequest.shutdown`."""
        session, self._session = self._session, None
        if session is None or session.closed:
            _LOGGER.debug("This AiohttpRequest is already shut down. Returning.")
            return
        await session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        # float | None, or BaseRequest.DEFAULT_NONE when not passed (python-telegram-bot's
        # type for that is private; `object` accepts whatever the base class does).
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """See `BaseRequest.do_request`."""
        session, pool = self._session, self._pool
        if session is None or session.closed or pool is None:
            raise RuntimeError("This AiohttpRequest is not initialized!")

        files = (
            request_data.multipart_data
            if request_data is not None and request_data.contains_files
            else None
        )
        write = _given(write_timeout, self._media_write_timeout if files else self._write_timeout)
        pool_wait = _given(pool_timeout, self._pool_timeout)
        timeout = self._default_timeout
        if not (read_timeout is connect_timeout is BaseRequest.DEFAULT_NONE):
            timeout = _client_timeout(
                _given(connect_timeout, self._connect_timeout),
                _given(read_timeout, self._read_timeout),
            )

        body: _TimedBody | bytes | None = None
        headers: dict[str, str] | None = None
        if files:
            assert request_data is not None
            boundary = os.urandom(16).hex()
            content = _multipart(boundary, request_data.json_parameters, files)
            body = _TimedBody(content, f"multipart/form-data; boundary={boundary}", write)
        elif request_data is not None:
            parameters = _json_parameters(request_data)
            if parameters:
                body = form_encoded(parameters)
                headers = {"Content-Type": _FORM_CONTENT_TYPE}

        try:
            await _acquire(pool, pool_wait)
        except _PoolTimeout:
            raise TimedOut(_POOL_TIMEOUT_MESSAGE) from None
        failure: NetworkError
        try:
            async with session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except (aiohttp.ClientError, OSError) as error:  # OSError: TimeoutError included
            failure = _failure(error, url, body)
        finally:
            pool.release()
        # Raised out here, so neither chained nor in the context: aiohttp's own messages may
        # quote the URL, and so the token.
        raise failure


def _json_parameters(request_data: RequestData) -> dict[str, str]:
    """`RequestData.json_parameters`, each value dumped once: PTB's property dumps every
    non-text value twice (once to see it is not None); the values are the same (an int, a
    chat or message id, is its digits, what `json.dumps` writes, without the encoder)."""
    return {
        name: value if type(value) is str else str(value) if type(value) is int else _dumps(value)
        for name, value in request_data.parameters.items()
    }


def _dumps(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)


# Form encoding as `urllib.parse.urlencode` does it (`quote_plus`, nothing safe beyond
# letters, digits and "_.-~"; UTF-8), a character at a time in C (`str.translate`) where
# urlencode quotes byte by byte in Python: a reply's body in 23 µs instead of 61.
_FORM_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")
_FORM_BYTES = tuple(
    chr(b) if b in _FORM_SAFE else "+" if b == 0x20 else f"%{b:02X}" for b in range(256)
)


class _FormTable(dict[int, str]):
    """Code point → its form encoding, filled in as characters are met (a few hundred)."""

    def __missing__(self, code: int) -> str:
        # A lone surrogate raises UnicodeEncodeError here, as it does in urlencode.
        quoted = "".join([_FORM_BYTES[b] for b in chr(code).encode()])
        if len(self) < _FORM_TABLE_MAX:
            self[code] = quoted
        return quoted


_FORM_TABLE_MAX = 65536
_FORM_TABLE = _FormTable({b: _FORM_BYTES[b] for b in range(128)})


def form_encoded(parameters: Mapping[str, str]) -> bytes:
    """`urlencode(parameters).encode()`, the same bytes, cheaper."""
    return "&".join(
        [
            f"{name.translate(_FORM_TABLE)}={value.translate(_FORM_TABLE)}"
            for name, value in parameters.items()
        ]
    ).encode()


def _failure(error: Exception, url: str, body: _TimedBody | bytes | None) -> NetworkError:
    if isinstance(body, _TimedBody) and body.timed_out:
        return TimedOut(f"Write timeout: the upload stalled for {body.write_timeout} s")
    if isinstance(error, TimeoutError):  # aiohttp's ServerTimeoutError is a TimeoutError too
        return TimedOut(_describe(error, url))
    return NetworkError(_describe(error, url))


def _given(timeout: object, default: float | None) -> float | None:
    """A timeout as the caller passed it, or `default` when it passed none: python-telegram-bot
    marks that with `BaseRequest.DEFAULT_NONE` and documents the check `is DEFAULT_NONE`."""
    if timeout is BaseRequest.DEFAULT_NONE:
        return default
    if timeout is None or isinstance(timeout, int | float):
        return timeout
    raise TypeError(f"not a timeout: {timeout!r}")


async def _acquire(pool: asyncio.Semaphore, pool_timeout: float | None) -> None:
    if not pool.locked():
        await pool.acquire()  # a free connection: no timer to arm
        return
    try:
        async with asyncio.timeout(pool_timeout):
            await pool.acquire()
    except TimeoutError:
        raise _PoolTimeout from None


def _client_timeout(connect: float | None, read: float | None) -> aiohttp.ClientTimeout:
    # `connect` spans DNS, TCP and TLS; waiting for a free connection is our semaphore's job,
    # and the connector's limit equals its size, so aiohttp itself never queues a request.
    # `sock_read` is the longest silence while waiting for or reading the answer.
    return aiohttp.ClientTimeout(total=None, connect=connect, sock_read=read)


class _TimedBody(BytesPayload):
    """A request body written in chunks, each within the write timeout (as httpx does)."""

    def __init__(self, value: bytes, content_type: str, write_timeout: float | None) -> None:
        super().__init__(value, content_type=content_type)
        self.write_timeout = write_timeout
        self.timed_out = False

    async def write(self, writer: AbstractStreamWriter) -> None:
        await self.write_with_length(writer, None)

    async def write_with_length(
        self, writer: AbstractStreamWriter, content_length: int | None
    ) -> None:
        data = memoryview(self._value)
        if content_length is not None:
            data = data[:content_length]
        for start in range(0, len(data), _WRITE_CHUNK):
            try:
                async with asyncio.timeout(self.write_timeout):
                    await writer.write(data[start : start + _WRITE_CHUNK])
            except TimeoutError:
                self.timed_out = True  # aiohttp may wrap it in a ClientConnectionError
                raise


def _multipart(boundary: str, fields: Mapping[str, str], files: Mapping[str, _UploadFile]) -> bytes:
    """multipart/form-data as httpx builds it: fields first, then the files."""
    parts: list[bytes] = []
    delimiter = f"--{boundary}\r\n".encode()
    for name, value in fields.items():
        parts += (
            delimiter,
            f'Content-Disposition: form-data; name="{_escape(name)}"\r\n\r\n'.encode(),
            value.encode(),
            b"\r\n",
        )
    for name, (filename, content, mime_type) in files.items():
        disposition = f'form-data; name="{_escape(name)}"'
        if filename is not None:
            disposition += f'; filename="{_escape(filename)}"'
        parts += (
            delimiter,
            f"Content-Disposition: {disposition}\r\nContent-Type: {mime_type}\r\n\r\n".encode(),
            _read(content),
            b"\r\n",
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts)


def _read(content: bytes | IO[bytes]) -> bytes:
    if isinstance(content, bytes | bytearray):
        return bytes(content)
    # From the start, as httpx does: a retried upload (after a 429, say) sends it all again.
    if hasattr(content, "seek"):
        with contextlib.suppress(io.UnsupportedOperation):
            content.seek(0)
    return content.read()


def _escape(value: str) -> str:
    return _FORM_ESCAPE_RE.sub(lambda match: _FORM_ESCAPES[match.group(0)], value)


def _describe(error: BaseException, url: str) -> str:
    """`aiohttp.SomeError: message`, with the URL and the token masked."""
    text = str(error) or repr(error)
    path = urlsplit(url).path
    for secret in (url, path):
        if secret:
            text = text.replace(secret, "<url>")
    text = _TOKEN_IN_PATH.sub(r"\1<token>", text)
    return f"aiohttp.{type(error).__name__}: {text}"
