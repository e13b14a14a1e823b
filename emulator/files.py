"""Files known to the emulator: what people uploaded and what the bot sent."""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import struct
from dataclasses import dataclass

from emulator.models import JsonDict

MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024  # getFile refuses bigger files, as Telegram does
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # the most a bot may upload


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    content: bytes
    file_name: str | None
    mime_type: str | None
    folder: str
    file_path: str | None = None

    @property
    def size(self) -> int:
        return len(self.content)

    def ids(self) -> JsonDict:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
        }

    def document_json(self) -> JsonDict:
        document = self.ids()
        if self.file_name is not None:
            document["file_name"] = self.file_name
        if self.mime_type is not None:
            document["mime_type"] = self.mime_type
        return document

    def photo_json(self) -> list[JsonDict]:
        width, height = image_size(self.content)
        return [{**self.ids(), "width": width, "height": height}]


class FileStore:
    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}

    def add(
        self,
        content: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        folder: str = "documents",
    ) -> StoredFile:
        number = len(self._by_id) + 1
        if mime_type is None and file_name is not None:
            mime_type = mimetypes.guess_type(file_name)[0]
        stored = StoredFile(
            file_id=_file_id(number),
            file_unique_id=_unique_id(number),
            content=content,
            file_name=file_name,
            mime_type=mime_type,
            folder=folder,
        )
        self._by_id[stored.file_id] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def path_for(self, stored: StoredFile) -> str:
        """The file_path getFile hands out; the bytes are then served under it."""
        if stored.file_path is None:
            suffix = ""
            if stored.file_name and "." in stored.file_name:
                suffix = "." + stored.file_name.rsplit(".", 1)[1]
            stored.file_path = f"{stored.folder}/file_{len(self._by_path)}{suffix}"
            self._by_path[stored.file_path] = stored
        return stored.file_path

    def by_path(self, file_path: str) -> StoredFile | None:
        return self._by_path.get(file_path)


def _file_id(number: int) -> str:
    # Real file_ids are about 70 characters: a file_id never fits in 64 bytes of callback_data,
    # so a bot that tries fails here just as it would on Telegram.
    digest = hashlib.sha256(f"file:{number}".encode()).digest()
    body = base64.urlsafe_b64encode(number.to_bytes(6, "big") + digest + digest[:8])
    return "BQACAgQAAxkB" + body.decode().rstrip("=")


def _unique_id(number: int) -> str:
    digest = hashlib.sha256(f"unique:{number}".encode()).digest()
    return "AgAD" + base64.urlsafe_b64encode(number.to_bytes(6, "big") + digest[:6]).decode()


def image_size(content: bytes) -> tuple[int, int]:
    """Width and height of a PNG; a plausible photo size for anything else."""
    if content[:8] == b"\x89PNG\r\n\x1a\n" and len(content) >= 24:
        width, height = struct.unpack(">II", content[16:24])
        return int(width), int(height)
    return 1280, 960
