"""Simulated referents for the load benchmark: each plays one conversation against the
emulator and times every step, from the moment its update is available to the bot (pushed to
the emulator's queue) to the moment the emulator took the bot message that answers it.

- Normal mode: the referent waits for the answer before the next step, as people do.
- Burst mode: an impatient referent. Typed answers go out back to back without waiting; only
  a tap waits, because the button to tap comes with the bot's answer. The answers must then
  come back in order, each to its own step (checked here by the fragments, and afterwards in
  the database by the values).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from benchmarks._flows import Conversation, Step
from emulator.models import BotEvent, BotMessage, Button
from emulator.server import BotApiEmulator

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Outcome:
    conversation: Conversation
    latencies: list[float] = field(default_factory=list)  # seconds, one per answered step
    answered_at: list[float] = field(default_factory=list)  # monotonic, one per answered step
    sent: int = 0  # updates the referent sent
    done: bool = False  # the final answer arrived
    error: str | None = None  # why not, when not
    cut: bool = False  # stopped by the run's deadline rather than by a missing answer


class Referent:
    def __init__(
        self,
        emulator: BotApiEmulator,
        conversation: Conversation,
        *,
        burst: bool,
        step_timeout: float,
        deadline: float,
    ) -> None:
        self.emulator = emulator
        self.conversation = conversation
        self.burst = burst
        self.step_timeout = step_timeout
        self.deadline = deadline  # monotonic
        self.user_id = conversation.user_id
        self.outcome = Outcome(conversation)
        self._last_seq = emulator.seq  # answers are looked for after this bot action
        self._anchor: int | None = None  # the message of the last answer (its buttons)
        self._pending: list[tuple[int, float]] = []  # (step index, when it was sent)

    async def play(self) -> Outcome:
        steps = self.conversation.steps
        try:
            for index, step in enumerate(steps):
                if step.action == "tap" or not self.burst:
                    await self._collect()  # the button comes with the last answer
                self._pending.append((index, self._act(step)))
            await self._collect()
            self.outcome.done = True
        except _Missing as missing:
            self.outcome.error = f"{missing}; the chat ends with: {self._last_lines()}"
            self.outcome.cut = missing.cut
        return self.outcome

    def _last_lines(self, count: int = 4) -> str:
        events = self.emulator.events(self.user_id)[-count:]
        return " / ".join(f"{event.kind}: {event.text[:50]!r}" for event in events)

    def _act(self, step: Step) -> float:
        """Do the step; when its update was queued for the bot."""
        if step.action == "send":
            self.emulator.send_text(self.user_id, step.value)
        elif step.action == "file":
            self.emulator.send_document(self.user_id, step.value, step.content, XLSX)
        else:
            message, button = self._button(step.value)
            self.emulator.press_button(self.user_id, message.message_id, button.data)
        self.outcome.sent += 1
        return time.monotonic()

    async def _collect(self) -> None:
        """Wait for the answers of the steps sent, in order."""
        while self._pending:
            index, sent_at = self._pending.pop(0)
            event = await self._answer(index, self.conversation.steps[index])
            self.outcome.latencies.append(event.at - sent_at)
            self.outcome.answered_at.append(event.at)
            self._anchor = event.message_id
            self._last_seq = event.seq

    async def _answer(self, index: int, step: Step) -> BotEvent:
        needle = step.expect.casefold()
        found: list[BotEvent] = []

        def answered() -> bool:
            for event in self.emulator.events(self.user_id, self._last_seq):
                # A form's tapped answer is an edit of the tapped message (answer + next).
                if event.kind in ("sent", "edited") and needle in event.text.casefold():
                    found.append(event)
                    return True
            return False

        remaining = self.deadline - time.monotonic()
        timeout = min(self.step_timeout, remaining)
        try:
            await self.emulator.wait_for(answered, max(timeout, 0.0), chat_id=self.user_id)
        except TimeoutError:
            raise _Missing(
                f"step {index + 1} ({step.action} {step.value[:20]!r}): no answer with "
                f"{step.expect!r} within {timeout:.0f} s",
                cut=timeout >= remaining,
            ) from None
        return found[0]

    def _button(self, label: str) -> tuple[BotMessage, Button]:
        """The button on the last answer, else on the newest message showing it."""
        anchored = (
            self.emulator.message(self.user_id, self._anchor) if self._anchor is not None else None
        )
        candidates = [anchored] if anchored is not None else []
        candidates += list(self.emulator.recent_messages(self.user_id))
        for message in candidates:
            button = message.find_button(label) if not message.deleted else None
            if button is not None:
                return message, button
        raise _Missing(f"no button {label!r} on screen", cut=False)


class _Missing(Exception):
    def __init__(self, message: str, *, cut: bool) -> None:
        super().__init__(message)
        self.cut = cut


async def play_all(
    emulator: BotApiEmulator,
    conversations: list[Conversation],
    *,
    burst: bool,
    step_timeout: float,
    deadline: float,
) -> list[Outcome]:
    """Every referent at once; each chat is opened first, as a referent who joined."""
    for conversation in conversations:
        if not emulator.has_chat(conversation.user_id):
            emulator.open_chat(conversation.user_id, "Referente")
    referents = [
        Referent(emulator, conversation, burst=burst, step_timeout=step_timeout, deadline=deadline)
        for conversation in conversations
    ]
    return list(await asyncio.gather(*(referent.play() for referent in referents)))
