"""Writing files so that a failure never leaves a broken one.

Every file the command line writes (images, JSON, HTML reports, records) is
written to a temporary file in the target's own directory and renamed over
the target only once it is complete and flushed to disk.  A failure at any
point (an encoder that raises, a full disk, Ctrl-C, SIGTERM) removes the
temporary and leaves the target as it was: an existing file is never
truncated, even when the output is the input.

``check_output(path)`` refuses, before any long work starts, a path whose
directory is missing or not writable, or whose extension is not one the
writer knows.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from typing import Iterator, Optional, Sequence

__all__ = ["atomic_copy", "atomic_path", "atomic_write", "check_output"]


def check_output(path: str, extensions: Optional[Sequence[str]] = None, what: str = "output") -> None:
    """``ValueError`` naming ``what`` and ``path`` unless a file can be written
    there: its directory exists and is writable, the path is not a directory,
    and (with ``extensions``, lower case with the dot) its extension is one of them."""
    if not path:
        raise ValueError(f"{what}: got an empty path")
    if os.path.isdir(path):
        raise ValueError(f"{what}: {path!r} is a directory; expected a file name")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ValueError(f"{what}: {path!r}: the directory {folder!r} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"{what}: {path!r}: the directory {folder!r} is not writable")
    if os.path.exists(path) and not os.access(path, os.W_OK):
        raise ValueError(f"{what}: {path!r} exists and is not writable")
    if extensions is not None:
        extension = os.path.splitext(path)[1].lower()
        if extension not in extensions:
            raise ValueError(f"{what}: {path!r} has the extension {extension or '(none)'!r}; expected one of "
                             f"{', '.join(sorted(extensions))}")


def _new_file_mode(target: str) -> int:
    """The permission bits the target would get if opened normally: its own when it
    exists, else 0o666 less the umask (``mkstemp`` creates files 0o600)."""
    try:
        return os.stat(target).st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def atomic_path(target: str) -> Iterator[str]:
    """A temporary path beside ``target`` (same directory, same extension) for a
    writer that takes a file name (Pillow, ``numpy.savez``).  When the block
    ends normally, the temporary is flushed to disk and renamed over ``target``;
    on any exception, ``KeyboardInterrupt`` and ``SystemExit`` included, it is
    removed and ``target`` is left untouched."""
    folder = os.path.dirname(os.path.abspath(target))
    base = os.path.basename(target)
    stem, extension = os.path.splitext(base)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{stem}.", suffix=f".part{extension}", dir=folder)
    os.close(descriptor)
    try:
        yield temporary
        with open(temporary, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(temporary, _new_file_mode(target))
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


@contextlib.contextmanager
def atomic_write(target: str, binary: bool = False) -> Iterator:
    """``open(target, "w")`` (``"wb"`` with ``binary``) that replaces ``target``
    only with the complete file: see ``atomic_path``."""
    with atomic_path(target) as temporary:
        with open(temporary, "wb" if binary else "w", encoding=None if binary else "utf-8") as f:
            yield f
            f.flush()


def atomic_copy(source: str, target: str) -> None:
    """Copy ``source`` (a complete file a writer made elsewhere, e.g. in a temporary
    directory) over ``target``, atomically (``atomic_write``)."""
    with atomic_write(target, binary=True) as f, open(source, "rb") as src:
        shutil.copyfileobj(src, f)
