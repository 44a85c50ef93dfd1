"""Where outputs may go, and what a failed write says.

Two rules hold for every output (``ranked.csv`` and its meta, the GeoTIFF, the
evaluation folder, the rejected rows):

- Nothing is written into the data directory.  An output that is the data directory, lies
  in it, or resolves into it (through a symbolic link or ``..``) is refused before anything
  is read, so a partner's file is never replaced and no file is added beside them.
- A write that the operating system refuses (no space left, a read-only folder, a path
  under a regular file) raises :class:`OutputError` naming the target and the reason.
  Every output is written atomically (:mod:`buitengebied.io.atomic`), so the refused
  write leaves the old file as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from buitengebied.errors import ContractError, OutputError


def check_output_path(target: Path, *, data_dir: Path, folder: bool = False) -> None:
    """Refuse an output that would land in the data directory, or on the wrong kind of path.

    Parameters
    ----------
    target : Path
        The output file (or folder, with ``folder=True``).
    data_dir : Path
        The data directory whose files are the inputs.
    folder : bool, default False
        ``target`` is a folder of outputs (an existing regular file there is refused);
        otherwise a file (an existing folder there is refused).

    Raises
    ------
    ContractError
        ``target`` is the data directory, lies in it once links and ``..`` are resolved,
        or is an existing path of the wrong kind.
    """
    target, data_dir = Path(target), Path(data_dir)
    resolved, inputs = target.resolve(), data_dir.resolve()
    if resolved == inputs or inputs in resolved.parents:
        raise ContractError(
            f"{target}: refusing to write into the data directory {data_dir} "
            "(its files are inputs and are never written to); choose a path outside it"
        )
    check_output_kind(target, folder=folder)


def check_output_kind(target: Path, *, folder: bool = False) -> None:
    """Refuse an output file that is an existing folder, or an output folder that is a file.

    Parameters
    ----------
    target : Path
        The output file (or folder, with ``folder=True``).
    folder : bool, default False
        ``target`` is a folder of outputs.

    Raises
    ------
    ContractError
        ``target`` exists and is of the other kind.
    """
    target = Path(target)
    if folder and target.exists() and not target.is_dir():
        raise ContractError(f"{target}: exists and is not a folder; give a folder for outputs")
    if not folder and target.is_dir():
        raise ContractError(f"{target}: is a folder; give a file name for the output")


@contextmanager
def output_errors(target: Path) -> Iterator[None]:
    """Turn an :class:`OSError` raised in the block into an :class:`OutputError` on ``target``.

    Parameters
    ----------
    target : Path
        The output the block writes, named in the message.

    Raises
    ------
    OutputError
        The block raised an :class:`OSError` (its ``errno`` is kept).
    """
    try:
        yield
    except OSError as exc:
        raise output_error(target, exc) from exc


def output_error(target: Path, exc: OSError) -> OutputError:
    """Return the :class:`OutputError` for a refused write of ``target``: path and reason."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    return OutputError(f"{target}: cannot write ({reason})", errno=exc.errno)
