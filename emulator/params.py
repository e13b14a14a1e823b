"""Bot API call parameters, from a JSON body, a URL-encoded form or multipart/form-data.

Telegram accepts all three and coerces values, so "42" and 42 are the same chat_id and
reply_markup may arrive as an object (JSON body) or as a JSON string (forms, which is what
python-telegram-bot sends).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from emulator.errors import bad_request


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    content: bytes
    content_type: str | None


class Params:
    def __init__(self, values: Mapping[str, Any], files: Mapping[str, UploadedFile]) -> None:
        self._values = dict(values)
        self._files = dict(files)

    def has(self, name: str) -> bool:
        return self._values.get(name) not in (None, "")

    def str_or_none(self, name: str) -> str | None:
        value = self._values.get(name)
        if value is None:
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def int_or_none(self, name: str) -> int | None:
        value = self._values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise bad_request(f"invalid {name} specified")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def required_int(self, name: str, missing: str | None = None) -> int:
        value = self.int_or_none(name)
        if value is None:
            raise bad_request(missing or f"{name} is empty")
        return value

    def float_or_none(self, name: str) -> float | None:
        value = self._values.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        value = self._values.get(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def json_or_none(self, name: str) -> Any:
        value = self._values.get(name)
        if not isinstance(value, str):
            return value
        if value == "":
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {name} JSON object") from None

    def upload(self, name: str) -> UploadedFile | str | None:
        """An uploaded file (directly or via attach://), or a file_id / URL string."""
        if name in self._files:
            return self._files[name]
        reference = self.str_or_none(name)
        if reference and reference.startswith("attach://"):
            return self._files.get(reference.removeprefix("attach://"))
        return reference


async def read_params(request: web.Request) -> Params:
    values: dict[str, Any] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if not request.body_exists:
        return Params(values, files)
    content_type = request.content_type
    if content_type == "application/json":
        values.update(await _json_body(request))
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                content = value.file.read()
                files[key] = UploadedFile(value.filename, content, value.content_type)
            else:
                values[key] = value
    return Params(values, files)


async def _json_body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise bad_request("can't parse JSON encoded request") from None
    if not isinstance(body, dict):
        raise bad_request("can't parse JSON encoded request")
    return body
