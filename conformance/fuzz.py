"""The differential fuzz: random specs and inputs, every adapter against the reference.

``unisample conformance --fuzz N --seed S`` draws ``N`` cases (``draw(S, k)``
for ``k < N``): a random ``Upsample`` over every mode and extra, rank,
layout, input length (1 included) and output length (up, down, unchanged, 1),
a random dtype (float32/64, float16, bfloat16, integers) and an input that in
some cases holds NaN and infinities, at the border as often as inside.
Case ``k`` of seed ``S`` is the same everywhere, so a failure is replayed
alone with the command ``replay_command`` prints.

Beside them, a stream of its own draws one pixel shuffle per five cases
(``draw_shuffle(S, k)``, labelled ``fuzz seed S shuffle case k:``, so that the
resize cases of a seed stay what they were): ``PixelShuffle`` or
``PixelUnshuffle``, either order and layout, 1 to 3 spatial axes, one factor
or one per axis (1 to 4), any dtype, bool included; its outputs are held to
the input's own elements, bit for bit and in its dtype.

Each framework's worker (``worker.py --fuzz``) runs, per case, its adapter
(``spec(x)``), its taps path (``adapter.apply_taps``) and, where the adapter's
table claims that the framework's own op computes the spec, that op
(``adapter.native``); onnxruntime runs ``spec.to_onnx()`` wherever ONNX can
express the spec.  The parent holds every output to the float64 reference
with ``tolerance.compare`` (integers: to ``reference.integer_reference``, bit
for bit), and runs the numpy adapter itself.

This module imports numpy only; the worker imports its framework.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator, List, Optional, Tuple, Union

import numpy as np

from unisample import PixelShuffle, PixelUnshuffle, Upsample
from unisample.adapters import framework_part, get_adapter, has_part
from unisample.ops import is_exact
from unisample.shuffle import ShuffleSpec, is_shuffle
from unisample.spec import COORDINATE_TRANSFORMS, MODES, NEAREST_MODES

__all__ = ["FuzzCase", "draw", "draw_shuffle", "shuffle_count", "cases", "case_of", "make_input", "replay_command",
           "FLOAT_DTYPES", "INTEGER_DTYPES"]

FLOAT_DTYPES = ("float32", "float64", "float16", "bfloat16")
INTEGER_DTYPES = ("uint8", "int8", "uint16", "int16", "int32", "uint32", "int64", "uint64")
#: how often each dtype is drawn (float32 most: what models run in)
_DTYPE_WEIGHTS = {"float32": 8, "float64": 3, "float16": 2, "bfloat16": 2, "uint8": 2, "int8": 1, "uint16": 1,
                  "int16": 1, "int32": 1, "uint32": 1, "int64": 1, "uint64": 1}
_LENGTHS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 16)
_SCALES = (2.0, 3.0, 0.5, 1.5, 2.5, 0.6, 1.1, 1.0, 0.25, 4.0)
#: integer inputs stay within +-2**20 (the whole range for 8- and 16-bit
#: dtypes): float64 then sums them exactly enough that every summation order
#: rounds the same way (``dtypes.HALF_UP``); extremes are drawn on their own
#: (``_fill``), where saturation is what is checked
_INTEGER_SPAN = 2**20


@dataclass(frozen=True)
class FuzzCase:
    """One drawn case: ``spec`` on an input of ``shape`` and ``dtype``; ``fill``
    says how the values are drawn, ``nonfinite`` where NaN/infinities go."""

    seed: int
    index: int
    spec: Union[Upsample, ShuffleSpec]
    shape: Tuple[int, ...]
    dtype: str
    fill: str  # "normal", "large" (N(0, 1e30)), "extremes" (integers' min and max)
    nonfinite: Tuple[Tuple[int, float], ...] = ()  # (flat position, value)

    @property
    def label(self) -> str:
        """What ``--case`` matches to replay this case alone."""
        stream = "shuffle case" if is_shuffle(self.spec) else "case"
        return f"fuzz seed {self.seed} {stream} {self.index}:"

    @property
    def id(self) -> str:
        extra = f", {len(self.nonfinite)} non-finite" if self.nonfinite else ""
        return f"{self.label} {self.spec!r} on {self.dtype}{list(self.shape)} ({self.fill}{extra})"


def _pick(rng, values, p=None):
    return values[int(rng.choice(len(values), p=p))]


def _output_length(rng, n: int, antialias: bool) -> int:
    kind = _pick(rng, ("same", "one", "up", "down", "any"), p=(0.15, 0.15, 0.3, 0.25, 0.15))
    if kind == "same":
        return n
    if kind == "one":
        return 1
    if kind == "up":
        return int(n * _pick(rng, (2, 3, 1.5, 2.5, 4))) or 1
    if kind == "down":
        return max(1, int(n / _pick(rng, (2, 3, 1.5, 4) if not antialias else (2, 3, 4, 6))))
    return int(rng.integers(1, 3 * n + 2))


def _draw_transform(rng, kw: dict, rank: int) -> None:
    """A coordinate transform, and for tf_crop_and_resize a region partly
    outside the input and sometimes an extrapolation value."""
    kw["coordinate_transform"] = _pick(rng, COORDINATE_TRANSFORMS)
    if kw["coordinate_transform"] == "tf_crop_and_resize":
        kw["roi"] = tuple(tuple(sorted(float(v) for v in rng.uniform(-0.3, 1.3, 2))) for _ in range(rank))
        if rng.random() < 0.5:
            kw["extrapolation_value"] = _pick(rng, (0.0, -1.5, 7.0))


def _spec_arguments(rng) -> dict:
    mode = _pick(rng, tuple(MODES))
    kernel, mode_rank, has_corners = MODES[mode]
    rank = mode_rank or int(rng.integers(1, 4))
    kw = {"mode": mode, "data_format": _pick(rng, ("channels_first", "channels_last"))}
    if kernel in ("linear", "cubic", "lanczos3", "lanczos5") and rng.random() < 0.35:
        kw["antialias"] = True
    if has_corners and rng.random() < 0.5:
        kw["align_corners"] = bool(rng.random() < 0.5)
    if kernel != "area" and rng.random() < 0.25:
        _draw_transform(rng, kw, rank)
    if kernel == "nearest" and rng.random() < 0.3:
        kw["nearest_mode"] = _pick(rng, NEAREST_MODES)
    if kernel == "cubic":
        if rng.random() < 0.4:
            kw["cubic_coeff_a"] = _pick(rng, (-0.75, -0.5, round(float(rng.uniform(-1.0, 0.0)), 3)))
        if not kw.get("antialias") and rng.random() < 0.15:
            kw["cubic_table_size"] = 1024
    if (kernel in ("cubic", "lanczos3", "lanczos5") or kw.get("antialias")) and rng.random() < 0.3:
        kw["exclude_outside"] = bool(rng.random() < 0.5)
    if kernel == "area" and rng.random() < 0.4:
        kw["area_weights"] = "overlap"
    return kw, rank


def _draw_spec(rng) -> Tuple[Upsample, Tuple[int, ...]]:
    """A valid spec and the input spatial size it is applied to."""
    while True:
        kw, rank = _spec_arguments(rng)
        in_size = tuple(int(_pick(rng, _LENGTHS)) for _ in range(rank))
        if rng.random() < 0.5:
            kw["size"] = tuple(_output_length(rng, n, kw.get("antialias", False)) for n in in_size)
            if rng.random() < 0.1:
                kw["keep_aspect_ratio_policy"] = _pick(rng, ("not_larger", "not_smaller"))
        else:
            kw["scale_factor"] = tuple(_pick(rng, _SCALES) for _ in range(rank))
            if rng.random() < 0.3:
                kw["recompute_scale_factor"] = bool(rng.random() < 0.5)
            if rng.random() < 0.3 and MODES[kw["mode"]][0] != "area":
                kw["same_size_copy"] = _pick(rng, ("pytorch", "each_axis", "all_axes", "never"))
        for key in ("size", "scale_factor"):  # sometimes one value for every axis
            if key in kw and len(set(kw[key])) == 1 and rng.random() < 0.5:
                kw[key] = kw[key][0]
        # drop the extras one at a time until the arguments agree with each other
        extras = [k for k in kw if k not in ("mode", "size", "scale_factor")]
        rng.shuffle(extras)
        while True:
            try:
                spec = Upsample(**kw)
                spec.output_size(in_size)
                return spec, in_size
            except ValueError:
                if not extras:
                    break
                kw.pop(extras.pop())


def draw(seed: int, index: int) -> FuzzCase:
    """Case ``index`` of ``seed``: the same in every process and on every machine."""
    rng = np.random.default_rng([seed, index])
    spec, in_size = _draw_spec(rng)
    batch, channels = int(rng.integers(1, 3)), int(rng.integers(1, 4))
    shape = (batch,) + in_size + (channels,) if spec.channels_last else (batch, channels) + in_size
    dtype = _pick(rng, tuple(_DTYPE_WEIGHTS), p=np.array(list(_DTYPE_WEIGHTS.values())) / sum(_DTYPE_WEIGHTS.values()))
    fill = "normal"
    nonfinite: list = []
    if dtype in INTEGER_DTYPES:
        fill = "extremes" if rng.random() < 0.25 else "normal"
    else:
        if dtype in ("float32", "float64") and rng.random() < 0.1:
            fill = "large"
        if rng.random() < 0.3:
            size = int(np.prod(shape))
            for _ in range(int(rng.integers(1, 4))):
                if rng.random() < 0.5:  # a border pixel of a spatial axis
                    position = list(np.unravel_index(int(rng.integers(size)), shape))
                    axes = spec.spatial_axes(len(shape))
                    axis = axes[int(rng.integers(len(axes)))]
                    position[axis] = _pick(rng, (0, shape[axis] - 1))
                    flat = int(np.ravel_multi_index(position, shape))
                else:
                    flat = int(rng.integers(size))
                nonfinite.append((flat, _pick(rng, (math.nan, math.inf, -math.inf))))
    return FuzzCase(seed, index, spec, shape, dtype, fill, tuple(nonfinite))


def shuffle_count(count: int) -> int:
    """How many pixel-shuffle cases come with ``count`` resize cases: one per five, rounded up."""
    return -(-count // 5)


def draw_shuffle(seed: int, index: int) -> FuzzCase:
    """Pixel-shuffle case ``index`` of ``seed`` (a stream apart from ``draw``'s)."""
    rng = np.random.default_rng([seed, index, 2])
    rank = int(_pick(rng, (1, 2, 3), p=(0.25, 0.5, 0.25)))  # 2: where the frameworks' own ops are
    factor = (int(_pick(rng, (1, 2, 3, 4))) if rng.random() < 0.7 else
              tuple(int(_pick(rng, (1, 2, 3))) for _ in range(rank)))
    kind = _pick(rng, (PixelShuffle, PixelUnshuffle))
    spec = kind(factor, order=_pick(rng, ("CRD", "DCR")), data_format=_pick(rng, ("channels_first", "channels_last")))
    from .cases import shuffle_input_shape

    blocks = tuple(int(rng.integers(1, 5)) for _ in range(rank))
    channels, batch = int(rng.integers(1, 4)), int(rng.integers(1, 3))
    shape = shuffle_input_shape(spec, channels, blocks, batch)
    weights = {**_DTYPE_WEIGHTS, "bool": 1}
    dtype = _pick(rng, tuple(weights), p=np.array(list(weights.values())) / sum(weights.values()))
    fill, nonfinite = "normal", []
    if dtype in INTEGER_DTYPES:
        fill = "extremes" if rng.random() < 0.25 else "normal"
    elif dtype != "bool":
        if dtype in ("float32", "float64") and rng.random() < 0.1:
            fill = "large"
        if rng.random() < 0.3:  # a permutation moves each NaN and infinity to one place
            size = int(np.prod(shape))
            nonfinite = [(int(rng.integers(size)), _pick(rng, (math.nan, math.inf, -math.inf)))
                         for _ in range(int(rng.integers(1, 4)))]
    return FuzzCase(seed, index, spec, shape, dtype, fill, tuple(nonfinite))


def cases(count: int, seed: int, case: Optional[str] = None) -> List[FuzzCase]:
    """Resize cases ``0 .. count - 1`` of ``seed``, then its pixel-shuffle cases
    ``0 .. shuffle_count(count) - 1``; with ``case``, only those whose id contains it."""
    drawn = [draw(seed, k) for k in range(count)] + [draw_shuffle(seed, k) for k in range(shuffle_count(count))]
    return [c for c in drawn if case is None or case in c.id]


def _bfloat16_values(a: np.ndarray) -> np.ndarray:
    """float32 values rounded (to nearest even) to what bfloat16 holds, as float32."""
    bits = a.astype(np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    out = rounded.astype(np.uint32).view(np.float32)
    return np.where(np.isfinite(a), out, a).astype(np.float32)


def make_input(case: FuzzCase) -> np.ndarray:
    """The case's input as numpy; bfloat16 inputs come as float32 holding
    bfloat16 values exactly (numpy has no bfloat16: workers cast them)."""
    rng = np.random.default_rng([case.seed, case.index, 3 if is_shuffle(case.spec) else 1])
    if case.dtype == "bool":
        return rng.random(case.shape) < 0.5
    if case.dtype in INTEGER_DTYPES:
        info = np.iinfo(case.dtype)
        if case.fill == "extremes":
            return rng.choice(np.array([info.min, info.max], dtype=case.dtype), size=case.shape)
        lo, hi = max(int(info.min), -_INTEGER_SPAN), min(int(info.max), _INTEGER_SPAN)
        if info.bits <= 16:
            lo, hi = int(info.min), int(info.max)
        return rng.integers(lo, hi, size=case.shape, endpoint=True).astype(case.dtype)
    x = rng.standard_normal(case.shape) * (1e30 if case.fill == "large" else 1.0)
    flat = x.reshape(-1)
    for position, value in case.nonfinite:
        flat[position] = value
    if case.dtype == "bfloat16":
        return _bfloat16_values(x)
    return x.astype(case.dtype)


def case_of(seed: int, case_id: str) -> FuzzCase:
    """The case of ``seed`` whose id (or label) ``case_id`` is."""
    label = case_id.split(":", 1)[0]
    index = int(label.split()[-1])
    return draw_shuffle(seed, index) if " shuffle case " in label else draw(seed, index)


def replay_command(case: FuzzCase, framework: str) -> str:
    """The command that re-runs this one case on ``framework`` (numpy: the parent's
    own adapter): the fewest cases that hold it (``--fuzz``) and its label."""
    import shlex

    count = 5 * case.index + 1 if is_shuffle(case.spec) else case.index + 1  # shuffle_count(count) > index
    where = "" if framework == "numpy" else f" --frameworks {framework}"
    return f"unisample conformance --fuzz {count} --seed {case.seed}{where} --case {shlex.quote(case.label)}"


def outputs(framework: str, case: FuzzCase, x: np.ndarray) -> Iterator[Tuple[str, object]]:
    """``(path, numpy output or Exception)`` for each path of ``framework`` on
    ``case``: its adapter, its taps path, and its native op where the adapter
    claims it (imports the framework; run in that framework's worker)."""
    adapter = get_adapter(framework)
    spec = case.spec
    try:
        xf = adapter.from_numpy(x, dtype=case.dtype)
    except Exception as e:  # a dtype the framework has no arrays of (paddle: uint32)
        yield "skipped", e
        return
    catalogue = framework_part(framework, "catalogue") if has_part(framework, "catalogue") else None
    if hasattr(catalogue, "fuzz_paths"):
        paths = catalogue.fuzz_paths(spec, xf, case.index)
    elif is_shuffle(spec):  # the adapter, its portable permutation, and its own op where its table claims it
        paths = [("adapter", lambda: spec(xf))]
        if hasattr(adapter, "permute") and hasattr(adapter, "native_shuffle"):
            paths += [("permute", lambda: adapter.permute(spec, xf)),
                      ("native", lambda: adapter.native_shuffle(spec, xf))]
    else:  # the adapter, its taps path, and its own op where its table claims it
        paths = [("adapter", lambda: spec(xf))]
        if hasattr(adapter, "apply_taps") and hasattr(adapter, "native"):
            paths += [("taps", lambda: adapter.apply_taps(spec, xf)), ("native", lambda: adapter.native(spec, xf))]
    for path, run in paths:
        try:
            y = run()
        except Exception as e:  # reported per case and path
            yield path, e
            continue
        if y is not None:
            yield path, np.asarray(adapter.to_numpy(y))


def _onnx_output(case: FuzzCase, x: np.ndarray):
    """onnxruntime on ``spec.to_onnx()``, or None where ONNX cannot express the spec
    or onnxruntime's Resize refuses it (float32 inputs only)."""
    import onnxruntime

    from .cases import _onnxruntime_runs

    if case.dtype != "float32":
        return None
    if is_shuffle(case.spec):  # DepthToSpace / SpaceToDepth, or Reshape -> Transpose -> Reshape
        model = case.spec.to_onnx(input_shape=x.shape)
        session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        return session.run(None, {session.get_inputs()[0].name: x})[0]
    if not _onnxruntime_runs(case.spec, case.shape):
        return None
    if case.nonfinite:
        # onnxruntime's kernels read other pixels than the spec's taps (and
        # leak NaN across channels of NHWC inputs): README "Non-finite values"
        return None
    try:
        model = case.spec.to_onnx(input_shape=x.shape)
    except ValueError:
        return None  # not expressible in ONNX: unisample.onnx says why
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    session = onnxruntime.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: x})[0]


def run_worker(framework: str, path: str, count: int, seed: int, case: Optional[str] = None) -> int:
    """The worker's side: every path's output per case, into ``path`` (npz):
    ``out/<k>/<path>`` or ``err/<k>/<path>`` for case number ``k`` of ``cases(...)``."""
    import importlib

    arrays = {"framework": np.array(framework),
              "version": np.array(getattr(importlib.import_module(framework), "__version__", "?"))}
    drawn = cases(count, seed, case)
    for k, c in enumerate(drawn):
        if k % 50 == 0:
            print(f"progress {k} {len(drawn)}", flush=True)
        x = make_input(c)
        if framework == "onnxruntime":
            try:
                y = _onnx_output(c, x)
                if y is not None:
                    arrays[f"out/{k}/onnx"] = y
            except Exception as e:
                arrays[f"err/{k}/onnx"] = np.array(f"{type(e).__name__}: {e}")
            continue
        for name, y in outputs(framework, c, x):
            if name == "skipped":
                arrays[f"skip/{k}/input"] = np.array(f"{type(y).__name__}: {str(y)[:300]}")
            elif isinstance(y, Exception):
                arrays[f"err/{k}/{name}"] = np.array(f"{type(y).__name__}: {y}")
            else:
                arrays[f"out/{k}/{name}"] = y
    print(f"progress {len(drawn)} {len(drawn)}", flush=True)
    from .worker import save

    save(path, arrays)
    return 0


def judge(case: FuzzCase, x: np.ndarray, y: np.ndarray) -> tuple:
    """``(passed, error in eps, bound in eps, message)`` of output ``y`` of ``case``:
    integers bit for bit against ``reference.integer_reference``, the rest by
    ``tolerance.compare`` against the float64 reference."""
    from unisample import tolerance
    from unisample.reference import integer_reference

    if is_shuffle(case.spec):
        return _judge_shuffle(case, x, y)
    if case.dtype in INTEGER_DTYPES:
        expected = integer_reference(case.spec, x)
        if y.shape != expected.shape:
            return False, None, None, f"output shape {y.shape}, expected {expected.shape}"
        if y.dtype != expected.dtype:
            return False, None, None, f"output dtype {y.dtype}, expected {expected.dtype}"
        slack = tolerance.integer_slack(case.dtype, x)
        wrong = np.argwhere(np.abs(y.astype(np.float64) - expected.astype(np.float64)) > slack if slack else
                            y != expected)
        if len(wrong):
            first = tuple(int(i) for i in wrong[0])
            return False, None, 0.0, (f"{len(wrong)} integer output(s) differ from the integer rule, first at "
                                      f"{first}: {y[first]}, expected {expected[first]}")
        return True, 0.0, 0.0, ""
    return tolerance.compare(case.spec, x, y, case.spec.reference(x), dtype=case.dtype)


def _judge_shuffle(case: FuzzCase, x: np.ndarray, y: np.ndarray) -> tuple:
    """A pixel shuffle's output against the input's own elements where the
    reference moves them (the reference applied to the elements' positions):
    the same shape, values and signs (of zeros too), NaN where NaN went, and
    the same dtype (adapters' ``to_numpy`` gives 16-bit floats as float32,
    exactly; tests/test_shuffle.py checks those dtypes on the arrays)."""
    where = case.spec.reference(np.arange(x.size, dtype=np.float64).reshape(x.shape)).astype(np.int64)
    expected = x.reshape(-1)[where]
    if y.shape != expected.shape:
        return False, None, None, f"output shape {y.shape}, expected {expected.shape}"
    # 16-bit floats: to_numpy widens them to float32 (exactly), numpy's adapter keeps ml_dtypes' bfloat16
    half = case.dtype in ("float16", "bfloat16") and y.dtype.name in ("float32", case.dtype)
    if y.dtype != expected.dtype and not half:
        return False, None, None, f"output dtype {y.dtype}, expected {expected.dtype}"
    if expected.dtype.kind in "biu":
        same = np.array_equal(y, expected)
    else:  # float64 holds every float16, bfloat16 (ml_dtypes' too) and float32 exactly; -0.0 stays -0.0
        wide, want = y.astype(np.float64), expected.astype(np.float64)
        signed = ~np.isnan(want)  # a NaN's sign bit means nothing (casts to bfloat16 may set it)
        same = (np.array_equal(wide, want, equal_nan=True)
                and np.array_equal(np.signbit(wide[signed]), np.signbit(want[signed])))
    why = "" if same else "output differs from the permuted input (bit-exactness required)"
    return same, 0.0 if same else None, 0.0, why


def _result(framework: str, case: FuzzCase, path: str, verdict: str, message: str = "", error=None, bound=None):
    from .runner import CaseResult

    family = f"shuffle {path}" if is_shuffle(case.spec) else path  # the table's rows: each path, resize or shuffle
    return CaseResult(framework, family, case.id, case.spec.to_dict(), verdict, is_exact(case.spec),
                      reference_error_eps=error, bound_eps=bound, message=message)


def check(run_, path: str, count: int, seed: int, case: Optional[str] = None) -> None:
    """The parent's side: the worker's outputs in ``path`` judged, into ``run_.results``
    (one result per case and path; ``family`` holds the path)."""
    drawn = cases(count, seed, case)
    with np.load(path) as data:
        run_.version = str(data["version"])
        for k, c in enumerate(drawn):
            x = make_input(c)
            for key in sorted(n for n in data.files if n.startswith((f"out/{k}/", f"err/{k}/", f"skip/{k}/"))):
                kind, _, name = key.split("/")
                if kind in ("err", "skip"):
                    verdict = "error" if kind == "err" else "skipped"
                    run_.results.append(_result(run_.framework, c, name, verdict, str(data[key])))
                    continue
                ok, error, bound, message = judge(c, x, data[key])
                run_.results.append(_result(run_.framework, c, name, "pass" if ok else "fail", message, error, bound))


def check_numpy(count: int, seed: int, case: Optional[str] = None):
    """The numpy adapter on every case, in this process (a ``runner.FrameworkRun``)."""
    import time

    from .runner import FrameworkRun

    started = time.monotonic()
    run_ = FrameworkRun("numpy", "ran", version=np.__version__)
    for c in cases(count, seed, case):
        x = make_input(c)
        for name, y in outputs("numpy", c, x):
            if name == "skipped":  # a dtype numpy has no arrays of here (bfloat16 without ml_dtypes)
                run_.results.append(_result("numpy", c, "input", "skipped", f"{type(y).__name__}: {y}"))
                continue
            if isinstance(y, Exception):
                run_.results.append(_result("numpy", c, name, "error", f"{type(y).__name__}: {y}"))
                continue
            ok, error, bound, message = judge(c, x, y)
            run_.results.append(_result("numpy", c, name, "pass" if ok else "fail", message, error, bound))
    run_.seconds = time.monotonic() - started
    return run_
