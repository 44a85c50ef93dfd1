"""Atomic outputs: a file is either its old self or the complete new one, never half.

Every output is written to a temporary file in the target's own folder (same file system,
so the final rename is atomic), flushed to disk, and renamed over the target; the folder
is flushed after the rename, so that the new file survives a power cut.  A process
killed half-way leaves the old file as it was (and a hidden ``.<name>.*.tmp`` at worst);
two runs writing the same target each replace it whole, the last rename wins.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO


def _new_file_beside(target: Path) -> Path:
    """Create an empty file of a fresh name beside ``target``.

    Created with mode 0666 less the umask, as any new file, so the output gets the usual
    permissions without reading the umask (which means setting it, for every thread).
    """
    while True:
        candidate = target.parent / f".{target.name}.{secrets.token_hex(6)}.tmp{target.suffix}"
        try:
            handle = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(handle)
        return candidate


def _sync_folder(folder: Path) -> None:
    """Flush a folder's entries, so that a rename in it survives a power cut (POSIX)."""
    if os.name != "posix":
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it is renamed over ``target``.

    For writers that take a file name (GDAL, rasterio).  The temporary file keeps the
    target's suffix, so a writer that picks its format by suffix picks the right one.

    Parameters
    ----------
    target : Path
        The file to (re)place; its folder is created when missing.

    Yields
    ------
    Path
        Where to write.  Nothing is renamed when the block raises.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = _new_file_beside(target)
    try:
        yield temporary
        with temporary.open("rb+") as written:
            os.fsync(written.fileno())
        os.replace(temporary, target)
        _sync_folder(target.parent)
    finally:
        with suppress(FileNotFoundError):
            temporary.unlink()


@contextmanager
def atomic_output(target: Path) -> Iterator[BinaryIO]:
    """Yield a binary file handle whose content replaces ``target`` when the block succeeds.

    Parameters
    ----------
    target : Path
        The file to (re)place; its folder is created when missing.

    Yields
    ------
    BinaryIO
        Open for writing.  Nothing is replaced when the block raises.
    """
    with atomic_path(target) as temporary, temporary.open("wb") as handle:
        yield handle


def write_text_atomic(target: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``target`` atomically (see :func:`atomic_output`)."""
    with atomic_output(target) as handle:
        handle.write(text.encode("utf-8"))
