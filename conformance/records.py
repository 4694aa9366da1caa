"""Record files (``unisample record``): what they hold, checked before anything is allocated.

A record is an ``.npz`` written by a conformance worker: ``framework`` and
``version``, and per case n ``in/<n>`` (the input), ``id/<n>`` (the case id),
``spec/<n>`` (the spec as JSON) and ``out/<n>`` (the native output) or
``err/<n>`` (the error of a native call that raised).

Records travel between machines, so ``validate`` treats one as untrusted: it
reads only the archive's directory and each array's header (no data), checks
the keys, parses every spec and checks it against the input's shape
(``Upsample.check_input``: the absurd-size rule; a pixel shuffle's
``output_shape``), checks that each recorded
output has the shape the spec gives, and bounds what a replay will allocate:
at most ``MAX_ELEMENTS`` input and output elements in all.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
import zlib
from typing import Dict, Tuple

import numpy as np

__all__ = ["MAX_ELEMENTS", "validate"]

#: input and output elements a replayed record may hold in all (1 GiB of float64
#: work per 2**27): far above the catalogue's records, far below a machine's memory
MAX_ELEMENTS = 2**27

_KEY = re.compile(r"(in|out|err|id|spec)/(\d+)")

#: the longest text entry (ids, specs, error messages, versions), in characters
MAX_TEXT = 100_000
#: errors of reading a damaged archive's members
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError)


def _headers(archive: zipfile.ZipFile, path: str) -> Dict[str, Tuple[tuple, np.dtype]]:
    """``{key: (shape, dtype)}`` of every array in the archive, read from the headers only."""
    headers = {}
    for info in archive.infolist():
        if not info.filename.endswith(".npy"):
            raise ValueError(f"record: {path!r} holds {info.filename!r}, which is not an array")
        with archive.open(info) as f:
            try:
                version = np.lib.format.read_magic(f)
                read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
                shape, _, dtype = read(f)
            except ValueError as e:
                raise ValueError(f"record: {path!r}: {info.filename!r} is not a numpy array ({e})") from None
        key = info.filename[:-4]
        if key.startswith(("in/", "out/")):
            if dtype.kind not in "biuf":
                raise ValueError(f"record: {path!r}: {key} has dtype {dtype}; expected numbers")
        elif dtype.kind != "U" or tuple(shape) != () or dtype.itemsize > 4 * MAX_TEXT:
            raise ValueError(f"record: {path!r}: {key} is not a text of at most {MAX_TEXT} characters "
                             f"(dtype {dtype}, shape {tuple(shape)})")
        headers[key] = (tuple(shape), dtype)
    return headers


def _case_elements(archive: zipfile.ZipFile, path: str, n: int, entries: Dict[str, tuple]) -> int:
    """The input and output elements case ``n`` makes a replay allocate, after
    checking its entries, its spec and its recorded output's shape."""
    from unisample.ops import spec_from_dict

    missing = [k for k in ("in", "id", "spec") if k not in entries]
    if missing or not ("out" in entries or "err" in entries):
        raise ValueError(f"record: {path!r}: case {n} lacks {', '.join(missing) or 'out (or err)'}")
    if entries["spec"][0] != () or entries["spec"][1].kind != "U":
        raise ValueError(f"record: {path!r}: spec/{n} is not a text")
    with archive.open(f"spec/{n}.npy") as f:
        text = str(np.lib.format.read_array(f, allow_pickle=False))
    try:
        spec = spec_from_dict(json.loads(text))
    except (ValueError, TypeError) as e:  # json.JSONDecodeError is a ValueError
        raise ValueError(f"record: {path!r}: spec/{n} is not a valid spec: {e}") from None
    shape, dtype = entries["in"]
    if dtype.kind not in "biuf":
        raise ValueError(f"record: {path!r}: in/{n} has dtype {dtype}; expected numbers")
    try:
        if hasattr(spec, "check_input"):  # an Upsample's absurd-size rule; a shuffle keeps the element count
            spec.check_input(shape)
        out_shape = tuple(spec.output_shape(shape))
    except ValueError as e:
        raise ValueError(f"record: {path!r}: case {n}: {e}") from None
    if "out" in entries and entries["out"][0] != out_shape:
        raise ValueError(f"record: {path!r}: out/{n} has shape {entries['out'][0]}, but its spec gives "
                         f"{out_shape} on in/{n} of shape {shape}")
    return int(np.prod(shape, dtype=np.int64)) + int(np.prod(out_shape, dtype=np.int64))


def validate(path: str) -> int:
    """The number of cases in the record at ``path``; ``ValueError`` naming the file
    and the problem when it is missing, not a record, or asks for more than a
    replay may allocate (module docstring)."""

    if not os.path.isfile(path):
        raise ValueError(f"record: {path!r} does not exist or is not a file")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise ValueError(f"record: {path!r} is not a unisample record (an .npz archive): {e}") from None
    with archive:
        try:
            return _validate_open(archive, path)
        except _DAMAGED as e:
            raise ValueError(f"record: {path!r} is damaged: {type(e).__name__}: {e}") from None


def _validate_open(archive: zipfile.ZipFile, path: str) -> int:
    """``validate`` on an opened archive."""
    headers = _headers(archive, path)
    if "framework" not in headers:
        raise ValueError(f"record: {path!r} has no 'framework' entry; it is not a unisample record")
    cases: Dict[int, Dict[str, tuple]] = {}
    for key, header in headers.items():
        m = _KEY.fullmatch(key)
        if m:
            cases.setdefault(int(m.group(2)), {})[m.group(1)] = header
        elif key not in ("framework", "version"):
            raise ValueError(f"record: {path!r} has the unknown entry {key!r}")
    if sorted(cases) != list(range(len(cases))):
        raise ValueError(f"record: {path!r}: case numbers are not 0..{len(cases) - 1}")
    budget = 0
    for n in range(len(cases)):
        budget += _case_elements(archive, path, n, cases[n])
        if budget > MAX_ELEMENTS:
            raise ValueError(f"record: {path!r}: replaying it would allocate over {MAX_ELEMENTS} elements "
                             f"(case {n} and those before it); a record from unisample record is far smaller")
    return len(cases)
