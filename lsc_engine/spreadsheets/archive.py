"""Opening a workbook or a zip of CSV files as untrusted input: bounded before anything is expanded.

A workbook is a zip archive of XML files. A few kilobytes of archive can expand to gigabytes (a "zip bomb"),
so the archive's directory is read first and refused if it lists too many members, members too large in
all, or a member compressed implausibly well. Reading a member never yields more than the directory says:
Python's zip reader stops at the declared size and checks the member's CRC.
"""

from __future__ import annotations

import io
import zipfile

from lsc_engine.errors import InvalidPack, Problem

#: The most members an archive may hold (a workbook of every section holds a few dozen).
MAX_MEMBERS = 2000

#: The most bytes an archive's members may expand to in all: 100,000 incident rows expand to about 40 MiB.
MAX_EXPANDED = 1 << 30

#: The largest expansion of one member over its compressed size; spreadsheet XML compresses about 10 to 30 times.
MAX_RATIO = 200

#: Members smaller than this are not held to ``MAX_RATIO``: a short run of repeated bytes compresses very well.
RATIO_FROM_BYTES = 1 << 20


def open_archive(data: bytes, source: str, max_expanded: int | None = None) -> zipfile.ZipFile:
    """Open zip bytes once what they expand to is bounded (``MAX_EXPANDED`` unless told); else ``InvalidPack``."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as error:
        raise refused(source, f"not a readable zip archive (an .xlsx workbook is one): {error}") from None
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise refused(source, f"the archive holds {len(members)} files; at most {MAX_MEMBERS} are read")
    expanded = 0
    for member in members:
        if member.flag_bits & 0x1:
            raise refused(source, f"{member.filename} is encrypted; send the file without a password")
        expanded += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size >= RATIO_FROM_BYTES and ratio > MAX_RATIO:
            raise refused(
                source,
                f"{member.filename} expands {ratio:.0f} times over (at most {MAX_RATIO} is read): "
                "the archive looks built to exhaust memory",
            )
    bound = MAX_EXPANDED if max_expanded is None else max_expanded
    if expanded > bound:
        raise refused(source, f"the archive expands to {expanded} bytes; {at_most(bound)}")
    return archive


def at_most(bound: int) -> str:
    """Say how much is read at most, as the refusal of a larger file says it."""
    return f"at most {bound / (1 << 20):g} MiB are read"


def refused(source: str, message: str) -> InvalidPack:
    """Refuse a whole file, naming it."""
    return InvalidPack(f"{source} cannot be read: {message}", problems=[Problem(source, message)])
