"""jax's conformance catalogue: ``jax.image.resize`` configurations, each with
the spec ``Upsample.from_jax`` reads from it; running one natively; and the
naive port of another framework's configuration to jax (the atlas)."""

from __future__ import annotations

import itertools
from typing import Callable, List, Optional, Tuple

import numpy as np

from unisample import Upsample
from unisample.conformance.cases import AA_IN, AA_SIZES, IN, PICTURE, SIZES, Case, make_case


def cases() -> List[Case]:
    """Every method at ranks 1-3, with and without antialias, on small inputs and
    on inputs wide enough to widen the filter."""
    out = []
    for rank in (1, 2, 3):
        for method, antialias in itertools.product(("nearest", "linear", "cubic", "lanczos3", "lanczos5"),
                                                   (False, True)):
            if method == "nearest" and antialias:
                continue  # antialias does nothing to nearest in JAX
            for spatial, sizes in ((IN[rank], SIZES[rank]), (AA_IN[rank], AA_SIZES[rank])):
                for size in sizes:
                    shape = (2,) + spatial + (3,)
                    # jax.image.resize has no layout: the input's shape says which axes it resizes
                    kw = dict(shape=[2, *size, 3], method=method, antialias=antialias, input_shape=list(shape))
                    out.append(make_case("jax", "jax.image.resize", kw, shape, Upsample.from_jax(kw)))
    return out


def showcase() -> List[Case]:
    """A few configurations on the report's test card: ``jax.image.resize``'s
    linear shrink (antialiased by default) and cubic enlargement."""
    shape = (1, PICTURE, PICTURE, 3)
    configs = [dict(shape=[1, PICTURE * 3 // 8, PICTURE * 3 // 8, 3], method="linear", antialias=True),
               dict(shape=[1, 2 * PICTURE, 2 * PICTURE, 3], method="cubic", antialias=True)]
    return [make_case("jax", "jax.image.resize", {**kw, "input_shape": list(shape)}, shape,
                      Upsample.from_jax({**kw, "input_shape": list(shape)})) for kw in configs]


def native_output(case: Case, x: np.ndarray) -> np.ndarray:
    """``case``'s call run by jax on ``x``."""
    import jax

    kw = case.kwargs
    assert case.call == "jax.image.resize", case.call
    assert tuple(kw["input_shape"]) == x.shape, (kw["input_shape"], x.shape)
    return np.asarray(jax.image.resize(x, tuple(kw["shape"]), kw["method"], antialias=kw["antialias"]))


def naive_port(spec: Upsample, size: List[int], rank: int) -> Optional[Upsample]:
    """The spec of ``jax.image.resize`` called with ``spec``'s method and output
    size and jax's defaults (antialias included), or None where jax has no such call."""
    if spec.coordinate_transform == "align_corners" or spec.kernel == "area":
        return None
    return Upsample.from_jax({"shape": [1, *size, 1], "method": spec.kernel, "data_format": "channels_last"})


def prepare_worker() -> None:
    """Before a worker's first case: integers and float64 computed in 64 bits,
    as on every other adapter."""
    import jax

    jax.config.update("jax_enable_x64", True)


#: the most the compilation cache may hold (the whole catalogue takes about 8 MB)
CACHE_BYTES = 256 * 2**20


def use_compilation_cache(directory: str) -> None:
    """Keep the XLA programs a worker compiles in ``directory`` (jax's persistent
    compilation cache), for every size of program.  Compiling is most of a jax
    worker's time (each case compiles at least one program); a later run
    reads them back.  jax keys each entry by the program, the compile options
    and its own version, so an entry is never used for anything else."""
    import jax

    jax.config.update("jax_compilation_cache_dir", directory)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    # every new fuzz seed compiles new programs: the least recently used go first
    jax.config.update("jax_compilation_cache_max_size", CACHE_BYTES)


def fuzz_paths(spec: Upsample, x, index: int) -> List[Tuple[str, Callable]]:
    """The fuzz's paths on a jax array (case number ``index``): the adapter is the
    taps path (no native op), jitted as JAX code runs it; eager too, for one
    case in 20 (compiling
    each op of every case eagerly takes 4x longer)."""
    import jax

    paths: List[Tuple[str, Callable]] = [("jit", lambda: jax.jit(spec)(x))]
    if index % 20 == 0:
        paths.append(("adapter", lambda: spec(x)))
    return paths
