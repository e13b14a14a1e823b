"""A loopback Telegram Bot API for end-to-end tests, the developer console and benchmarks."""

from emulator.driver import ChatUser
from emulator.errors import ApiError
from emulator.faults import Stats
from emulator.frontend import ConsoleFrontend
from emulator.models import BotDocument, BotEvent, BotMessage, Button, CallbackAnswer
from emulator.server import BotApiEmulator

__all__ = [
    "ApiError",
    "BotApiEmulator",
    "BotDocument",
    "BotEvent",
    "BotMessage",
    "Button",
    "CallbackAnswer",
    "ChatUser",
    "ConsoleFrontend",
    "Stats",
]
