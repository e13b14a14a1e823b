"""A loopback Telegram Bot API for end-to-end tests, the developer console and benchmarks."""

from bot.emulator.console import ConsoleFrontend
from bot.emulator.driver import ChatUser
from bot.emulator.errors import ApiError
from bot.emulator.faults import Stats
from bot.emulator.models import BotDocument, BotEvent, BotMessage, Button, CallbackAnswer
from bot.emulator.server import BotApiEmulator

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
