"""What a file is, judged by its content (never its name): the types the platform accepts as evidence.

`detect(path)` → `FileType` or raises `RefusedFile` with a Chinese message. Magic numbers come from puremagic
(a maintained signature table); Office documents are zip containers and are recognised by their
`[Content_Types].xml` part and their main part (`word/document.xml`, `xl/workbook.xml`), with a guard on the
declared uncompressed size so that a small upload cannot inflate into gigabytes when a reader opens it.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import puremagic

# Office files far beyond any real document when inflated: refused before anything unpacks them.
MAX_INFLATED_BYTES = 200 * 1024 * 1024
MAX_INFLATE_RATIO = 100


class RefusedFile(ValueError):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class FileType:
    key: str  # jpeg, png, webp, heic, pdf, docx, xlsx
    mime: str
    extension: str
    image: bool


ACCEPTED: dict[str, FileType] = {
    t.key: t
    for t in (
        FileType("jpeg", "image/jpeg", ".jpg", True),
        FileType("png", "image/png", ".png", True),
        FileType("webp", "image/webp", ".webp", True),
        FileType("heic", "image/heic", ".heic", True),
        FileType("pdf", "application/pdf", ".pdf", False),
        FileType(
            "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx", False
        ),
        FileType("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx", False),
    )
}

ACCEPTED_LABEL = "JPEG、PNG、WebP、HEIC 图片，PDF，Word（.docx）或 Excel（.xlsx）"

_BY_MIME = {
    "image/jpeg": "jpeg",
    "image/png": "png",
    "image/webp": "webp",
    "image/heic": "heic",
    "image/heif": "heic",
    "application/pdf": "pdf",
}
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"heim", b"heis"}


def _office(path: Path | IO[bytes]) -> str | None:
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            names = {i.filename for i in infos}
            if "[Content_Types].xml" not in names:
                return None
            inflated = sum(i.file_size for i in infos)
            packed = max(1, sum(i.compress_size for i in infos))
            if inflated > MAX_INFLATED_BYTES or inflated / packed > MAX_INFLATE_RATIO:
                raise RefusedFile("文件解压后异常庞大，疑似压缩炸弹，已拒收", "file_bomb")
            if "word/document.xml" in names:
                return "docx"
            if "xl/workbook.xml" in names:
                return "xlsx"
    except zipfile.BadZipFile:
        return None
    return None


def detect_bytes(data: bytes) -> FileType:
    """`detect` for a file held in memory (a tip's upload, which must not touch the disk in clear)."""
    if not data:
        raise RefusedFile("文件是空的（0 字节），请重新选择", "empty_file")
    head = data[:64]
    if head[4:8] == b"ftyp" and head[8:12] in _HEIC_BRANDS:
        return ACCEPTED["heic"]
    if head.startswith(b"PK\x03\x04"):
        key = _office(io.BytesIO(data))
        if key:
            return ACCEPTED[key]
    return _by_magic(head)


def _by_magic(head: bytes) -> FileType:
    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        matches = []
    for m in matches:
        key = _BY_MIME.get(m.mime_type)
        if key:
            return ACCEPTED[key]
    raise RefusedFile(f"不支持的文件类型（按内容判断），只接受 {ACCEPTED_LABEL}", "file_type")


def detect(path: Path, size: int) -> FileType:
    """The accepted type of the file at `path` (of `size` bytes), judged by content.
    Raises RefusedFile(code "empty_file" | "file_type" | "file_bomb")."""
    if size <= 0:
        raise RefusedFile("文件是空的（0 字节），请重新选择", "empty_file")
    with path.open("rb") as fh:
        head = fh.read(64)
    if head[4:8] == b"ftyp" and head[8:12] in _HEIC_BRANDS:
        return ACCEPTED["heic"]
    if head.startswith(b"PK\x03\x04"):
        key = _office(path)
        if key:
            return ACCEPTED[key]
    return _by_magic(head)
