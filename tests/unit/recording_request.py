"""A transport for python-telegram-bot's Bot that keeps what the Bot hands it: the
`RequestData` of each call, taken from the Bot itself (the parameter objects it builds are
not public), answered with a message sent in a private chat, as the Bot API would."""

from __future__ import annotations

import json

from telegram.request import BaseRequest, RequestData

CHAT = 4242


class RecordingRequest(BaseRequest):
    def __init__(self, chat_id: int = CHAT) -> None:
        self.chat_id = chat_id
        self.calls: list[RequestData] = []

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        assert request_data is not None
        self.calls.append(request_data)
        sent = {"message_id": 1, "date": 0, "chat": {"id": self.chat_id, "type": "private"}}
        return 200, json.dumps({"ok": True, "result": sent}).encode()
