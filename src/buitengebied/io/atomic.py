"""Atomic outputs: a file is either its old self or the complete new one, never half.

Every output is written to a temporary file in the target's own folder (same file system,
so the final rename is atomic), flushed to disk, and renamed over the target.  A process
killed half-way leaves the old file as it was (and a hidden ``.<name>.*.tmp`` at worst);
two runs writing the same target each replace it whole, the last rename wins.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO


def _umask() -> int:
    # os.umask can only be read by setting it; the old value is put straight back.
    current = os.umask(0o022)
    os.umask(current)
    return current


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
    handle, name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=f".tmp{target.suffix}", dir=target.parent
    )
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        with temporary.open("rb+") as written:
            os.fsync(written.fileno())
        # mkstemp makes the file private (0600); an output gets the usual permissions.
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, target)
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
