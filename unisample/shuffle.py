"""Pixel shuffle (depth-to-space) and its inverse: the specs and their reference.

``PixelShuffle(r)`` moves channel blocks of ``r**k`` channels into ``r x r``
(per spatial axis) blocks of pixels: an ``(N, C*r*r, H, W)`` input becomes
``(N, C, H*r, W*r)``.  Frameworks agree on that and disagree on which input
channel lands where (README "Pixel shuffle"):

* ``order="CRD"`` (torch ``pixel_shuffle``, paddle, ONNX ``DepthToSpace``
  ``mode="CRD"``): output channel ``c`` at offset ``(i, j)`` comes from input
  channel ``c*r*r + i*r + j`` (column, row, depth: the channel is the slowest);
* ``order="DCR"`` (``tf.nn.depth_to_space``, ONNX's default ``mode="DCR"``):
  from input channel ``(i*r + j)*C + c`` (the offset is the slowest).

It is a permutation of the elements: every adapter computes it as one reshape,
one transpose and one reshape (``plan``), exactly, in any dtype.
``PixelUnshuffle`` is its inverse (torch ``pixel_unshuffle``,
``tf.nn.space_to_depth``).  Imports numpy only.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Optional, Tuple, Union

import numpy as np

from .spec import DATA_FORMATS, _adapter

__all__ = ["PixelShuffle", "PixelUnshuffle", "ShuffleSpec", "ORDERS", "Plan", "moves_data", "from_dict", "is_shuffle"]

#: the channel orders: ``CRD`` (torch, paddle, ONNX mode CRD), ``DCR`` (TF, ONNX's default)
ORDERS = ("CRD", "DCR")

FactorArg = Union[int, Tuple[int, ...]]
#: ``(shape before the transpose, the transpose, the output shape)``
Plan = Tuple[Tuple[int, ...], Tuple[int, ...], Tuple[int, ...]]


def _checked_factor(name: str, value: Any) -> FactorArg:
    """An int >= 1, or a tuple of 1 to 3 of them (one per spatial axis)."""
    def one(v):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{name}: got {value!r}; expected an int >= 1 or a tuple of them, one per spatial axis")
        if v < 1:
            raise ValueError(f"{name}: got {value!r}; expected an int >= 1 or a tuple of them, one per spatial axis")
        return int(v)

    if isinstance(value, (tuple, list)):
        if not 1 <= len(value) <= 3:
            raise ValueError(f"{name}: got {value!r}; expected one factor per spatial axis, 1 to 3 of them")
        return tuple(one(v) for v in value)
    return one(value)


class ShuffleSpec:
    """What ``PixelShuffle`` and ``PixelUnshuffle`` share: a factor per spatial
    axis, a channel order and a layout; immutable and hashable."""

    __slots__ = ("factor", "order", "data_format", "__weakref__")  # weak references: jax.jit(spec) holds one
    #: the factor's argument name (``upscale_factor`` / ``downscale_factor``)
    FACTOR = ""

    factor: FactorArg
    order: str
    data_format: str

    def __init__(self, factor: FactorArg, order: str = "CRD", data_format: str = "channels_first"):
        factor = _checked_factor(self.FACTOR, factor)
        if not isinstance(order, str) or order not in ORDERS:
            raise ValueError(f"order: got {order!r}; expected one of {', '.join(map(repr, ORDERS))}")
        if not isinstance(data_format, str) or data_format not in DATA_FORMATS:
            raise ValueError(f"data_format: got {data_format!r}; expected one of "
                             f"{', '.join(map(repr, DATA_FORMATS))}")
        rank = DATA_FORMATS[data_format][1]
        if rank is not None and isinstance(factor, tuple) and len(factor) != rank:
            raise ValueError(f"{self.FACTOR}: got {factor!r}, {len(factor)} factor(s), but data_format="
                             f"{data_format!r} has {rank} spatial axes")
        object.__setattr__(self, "factor", factor)
        object.__setattr__(self, "order", order)
        object.__setattr__(self, "data_format", data_format)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; make a new one")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def _key(self) -> tuple:
        return (type(self).__name__, self.factor, self.order, self.data_format)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ShuffleSpec) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __reduce__(self):
        return (type(self), (self.factor, self.order, self.data_format))

    def __repr__(self) -> str:
        extra = "" if self.order == "CRD" else f", order={self.order!r}"
        extra += "" if self.data_format == "channels_first" else f", data_format={self.data_format!r}"
        return f"{type(self).__name__}({self.factor!r}{extra})"

    def to_dict(self) -> dict:
        """A JSON-able dict; ``from_dict`` reads it back."""
        factor = list(self.factor) if isinstance(self.factor, tuple) else self.factor
        return {"op": type(self).__name__, self.FACTOR: factor, "order": self.order, "data_format": self.data_format}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]):
        """The spec ``to_dict`` wrote."""
        if not isinstance(d, Mapping):
            raise TypeError(f"from_dict: got {type(d).__name__}; expected a dict from to_dict()")
        allowed = {"op", cls.FACTOR, "order", "data_format"}
        unknown = sorted(set(d) - allowed)
        if unknown:
            raise ValueError(f"from_dict: unknown key(s) {', '.join(map(repr, unknown))}; expected "
                             f"{', '.join(sorted(allowed))}")
        if d.get("op", cls.__name__) != cls.__name__:
            raise ValueError(f"from_dict: op {d['op']!r} is not {cls.__name__}")
        if cls.FACTOR not in d:
            raise ValueError(f"from_dict: {cls.FACTOR} is missing")
        factor = d[cls.FACTOR]
        return cls(tuple(factor) if isinstance(factor, list) else factor, d.get("order", "CRD"),
                   d.get("data_format", "channels_first"))

    # -- shapes -----------------------------------------------------------------

    @property
    def channels_last(self) -> bool:
        return DATA_FORMATS[self.data_format][0]

    @property
    def spatial_rank(self) -> Optional[int]:
        """The number of spatial axes, where the factor or the layout fixes it."""
        if isinstance(self.factor, tuple):
            return len(self.factor)
        return DATA_FORMATS[self.data_format][1]

    #: True for ``PixelShuffle`` (depth to space), False for its inverse
    shuffles = True

    def square_factor(self, ndim: int) -> Optional[int]:
        """The one factor of both spatial axes of an ``ndim``-dimensional input with
        two of them, or None: the only case the frameworks' own ops take."""
        if ndim != 4 or self.spatial_rank not in (None, 2) or len(set(self.factors(2))) != 1:
            return None
        return self.factors(2)[0]

    def factors(self, rank: int) -> Tuple[int, ...]:
        """The factor of each of ``rank`` spatial axes."""
        return self.factor if isinstance(self.factor, tuple) else (self.factor,) * rank

    def _rank_of(self, shape: Tuple[Optional[int], ...]) -> int:
        """The spatial rank of an input of ``shape``: batch, channels and 1 to 3 spatial axes."""
        rank = len(shape) - 2
        expected = self.spatial_rank
        if not 1 <= rank <= 3 or (expected is not None and rank != expected):
            want = f"{expected + 2}" if expected is not None else "3, 4 or 5"
            raise ValueError(f"{self!r}: input shape {tuple(shape)} has {len(shape)} dimensions; expected {want} "
                             f"(batch, channels, spatial axes, {self._layout_words()})")
        return rank

    def _layout_words(self) -> str:
        return "channels last" if self.channels_last else "channels first"

    def _split(self, shape: Tuple[Optional[int], ...]) -> Tuple[int, int, Tuple[int, ...]]:
        """``(batch, channels, spatial lengths)`` of an input of ``shape``; a batch
        unknown while tracing (None) is -1, which every reshape takes."""
        self._rank_of(tuple(shape))
        if any(n is None for n in shape[1:]):
            raise ValueError(f"{self!r}: input shape {tuple(shape)}: only the batch may be unknown")
        known = tuple(-1 if n is None else int(n) for n in shape)
        if self.channels_last:
            return known[0], known[-1], known[1:-1]
        return known[0], known[1], known[2:]

    def _join(self, batch: int, channels: int, spatial: Tuple[int, ...]) -> Tuple[int, ...]:
        return (batch,) + spatial + (channels,) if self.channels_last else (batch, channels) + spatial

    def output_shape(self, shape: Tuple[Optional[int], ...]) -> Tuple[int, ...]:
        """The output shape for an input of ``shape`` (ValueError where the input does not divide)."""
        return self.plan(shape)[2]

    def plan(self, shape: Tuple[Optional[int], ...]) -> Plan:
        raise NotImplementedError

    # -- native configurations --------------------------------------------------------

    @classmethod
    def _read(cls, framework: str, obj, **kwargs):
        from .spec import _vocabulary

        spec = _vocabulary(framework).shuffle_from_native(obj, **kwargs)
        if type(spec) is not cls:
            method = f"from_{'keras' if framework == 'tensorflow' else framework}"
            raise ValueError(f"{cls.__name__}.{method}: got the configuration of a {type(spec).__name__}; use "
                             f"{type(spec).__name__}.{method}")
        return spec

    @classmethod
    def from_torch(cls, obj):
        """The spec of ``nn.PixelShuffle`` / ``nn.PixelUnshuffle`` or a dict of
        ``F.pixel_shuffle`` / ``F.pixel_unshuffle`` arguments with ``"function"``."""
        return cls._read("torch", obj)

    @classmethod
    def from_keras(cls, obj, backend: Optional[str] = None):
        """The spec of a dict of ``tf.nn.depth_to_space`` / ``space_to_depth`` or
        ``keras.ops.depth_to_space`` / ``space_to_depth`` arguments with
        ``"function"``; Keras' channels-first order depends on its backend
        (``backend``, default: Keras' current one)."""
        return cls._read("tensorflow", obj, backend=backend)

    @classmethod
    def from_paddle(cls, obj):
        """The spec of ``paddle.nn.PixelShuffle`` / ``PixelUnshuffle`` or a dict of
        ``paddle.nn.functional.pixel_shuffle`` / ``pixel_unshuffle`` arguments."""
        return cls._read("paddle", obj)

    @classmethod
    def from_onnx(cls, obj):
        """The spec of a ``DepthToSpace`` / ``SpaceToDepth`` node, or of a model's
        (or file's) only one (``unisample.onnx_shuffle``)."""
        from .onnx_shuffle import from_onnx

        spec = from_onnx(obj)
        if type(spec) is not cls:
            raise ValueError(f"{cls.__name__}.from_onnx: got a {type(spec).__name__} node; use "
                             f"{type(spec).__name__}.from_onnx")
        return spec

    def to_onnx(self, input_shape=None, ndim: Optional[int] = None, opset: int = 13, dtype=np.float32):
        """An ONNX model computing this spec: one ``DepthToSpace`` / ``SpaceToDepth``
        node where one does (NCHW, one factor; SpaceToDepth is DCR only), else
        ``Reshape -> Transpose -> Reshape`` on ``input_shape``."""
        from .onnx_shuffle import to_onnx

        return to_onnx(self, input_shape=input_shape, ndim=ndim, opset=opset, dtype=dtype)

    # -- native layers --------------------------------------------------------------

    def to_torch(self):
        """This spec as a ``torch.nn.Module``."""
        return _adapter("torch").layer(self)

    def to_keras(self, data_format: Optional[str] = None):
        """This spec as a registered Keras 3 layer, the same numbers on every Keras
        backend (unlike ``keras.ops.depth_to_space``, README "Pixel shuffle");
        ``data_format`` re-lays it out, left out the spec's layout is kept."""
        return _adapter("tensorflow").layer(self, data_format=data_format)

    def to_paddle(self):
        """This spec as a ``paddle.nn.Layer``."""
        return _adapter("paddle").layer(self)

    def to_jax(self):
        """This spec as a jitted function of a jax array."""
        return _adapter("jax").layer(self)

    # -- applying it --------------------------------------------------------------

    def __call__(self, x):
        """The permutation applied to ``x`` (numpy, torch, tensorflow, paddle or jax
        array): the same kind, dtype and device out, bit for bit."""
        from .adapters import adapter_for

        return adapter_for(x).shuffle(self, x)

    def reference(self, x) -> np.ndarray:
        """The float64 numpy ground truth for ``x`` (any supported array kind)."""
        from .adapters import adapter_for

        a = np.asarray(x if isinstance(x, np.ndarray) else adapter_for(x).to_numpy(x), dtype=np.float64)
        before, perm, after = self.plan(a.shape)
        return np.ascontiguousarray(a.reshape(before).transpose(perm)).reshape(after)


def moves_data(plan: Plan) -> bool:
    """Whether ``plan``'s transpose moves any element: it does not where only
    axes of length 1 change places (factors of 1, single pixels), and then the
    reshapes return the input's own memory, which a result must not share."""
    before, perm, _ = plan
    real = [a for a in perm if before[a] != 1]
    return real != sorted(real)


def _interleaved(first: int, count: int, offset: int) -> Tuple[int, ...]:
    """``(first, first + offset, first + 1, first + 1 + offset, ...)``, ``count`` pairs:
    each spatial length next to its factor."""
    return tuple(a for i in range(count) for a in (first + i, first + offset + i))


class PixelShuffle(ShuffleSpec):
    """Depth to space: ``(N, C * prod(r), *L)`` -> ``(N, C, *(L * r))`` (channels first;
    ``(N, *L, C * prod(r))`` -> ``(N, *(L * r), C)`` channels last).

    ``upscale_factor``: an int >= 1, or one per spatial axis (1 to 3 axes;
    torch and paddle have 2-D only, TF 2-D channels-last only on CPU).
    ``order``: ``"CRD"`` (torch, paddle, ONNX DepthToSpace mode CRD) or
    ``"DCR"`` (``tf.nn.depth_to_space``, ONNX's default): which input channel
    fills which pixel (module docstring).  ``data_format``: as ``Upsample``'s.
    """

    __slots__ = ()
    FACTOR = "upscale_factor"

    def __init__(self, upscale_factor: FactorArg, order: str = "CRD", data_format: str = "channels_first"):
        super().__init__(upscale_factor, order, data_format)

    @property
    def upscale_factor(self) -> FactorArg:
        return self.factor

    def plan(self, shape: Tuple[Optional[int], ...]) -> Plan:
        """``(shape_a, perm, shape_b)``: the output is ``x.reshape(shape_a).transpose(perm).reshape(shape_b)``."""
        batch, channels, spatial = self._split(shape)
        k = len(spatial)
        r = self.factors(k)
        blocks = math.prod(r)
        if channels % blocks:
            raise ValueError(f"{self!r}: input shape {tuple(shape)} has {channels} channels, not a multiple of "
                             f"{' * '.join(map(str, r))} = {blocks}")
        c = channels // blocks
        depth = (c,) + r if self.order == "CRD" else r + (c,)
        c_axis = 0 if self.order == "CRD" else k  # where c sits in ``depth``
        r_first = 1 if self.order == "CRD" else 0
        if self.channels_last:
            # (N, *L, *depth): L at 1.., depth at 1+k..
            before = (batch,) + spatial + depth
            perm = (0,) + _interleaved(1, k, k + r_first) + (1 + k + c_axis,)
        else:
            # (N, *depth, *L): depth at 1.., L at 2+k..
            before = (batch,) + depth + spatial
            perm = (0, 1 + c_axis) + _interleaved(2 + k, k, r_first - 1 - k)
        out = self._join(batch, c, tuple(n * f for n, f in zip(spatial, r)))
        return before, perm, out


class PixelUnshuffle(ShuffleSpec):
    """Space to depth, ``PixelShuffle``'s inverse: ``(N, C, *(L * r))`` ->
    ``(N, C * prod(r), *L)`` (channels first), channels in ``order``
    (``"CRD"``: torch ``pixel_unshuffle``, paddle; ``"DCR"``:
    ``tf.nn.space_to_depth``; ONNX ``SpaceToDepth`` is DCR and has no mode)."""

    __slots__ = ()
    FACTOR = "downscale_factor"
    shuffles = False

    def __init__(self, downscale_factor: FactorArg, order: str = "CRD", data_format: str = "channels_first"):
        super().__init__(downscale_factor, order, data_format)

    @property
    def downscale_factor(self) -> FactorArg:
        return self.factor

    def inverse(self) -> PixelShuffle:
        """The ``PixelShuffle`` this undoes."""
        return PixelShuffle(self.factor, self.order, self.data_format)

    def plan(self, shape: Tuple[Optional[int], ...]) -> Plan:
        """``(shape_a, perm, shape_b)``: the output is ``x.reshape(shape_a).transpose(perm).reshape(shape_b)``."""
        batch, channels, spatial = self._split(shape)
        k = len(spatial)
        r = self.factors(k)
        if any(n % f for n, f in zip(spatial, r)):
            raise ValueError(f"{self!r}: input shape {tuple(shape)} has spatial lengths {spatial}, not multiples "
                             f"of the factors {r}")
        small = tuple(n // f for n, f in zip(spatial, r))
        out = self._join(batch, channels * math.prod(r), small)
        shuffle_before, shuffle_perm, _ = self.inverse().plan(out)
        # the inverse permutation: the shuffle's transposed shape, put back
        transposed = tuple(shuffle_before[a] for a in shuffle_perm)
        return transposed, tuple(int(a) for a in np.argsort(shuffle_perm)), out


def is_shuffle(spec) -> bool:
    """Whether ``spec`` is a ``PixelShuffle`` or ``PixelUnshuffle``."""
    return isinstance(spec, ShuffleSpec)


def from_dict(d: Mapping[str, Any]):
    """The ``PixelShuffle`` or ``PixelUnshuffle`` whose ``to_dict`` ``d`` is (its ``"op"`` says which)."""
    kinds = {cls.__name__: cls for cls in (PixelShuffle, PixelUnshuffle)}
    op = d.get("op") if isinstance(d, Mapping) else None
    if op not in kinds:
        raise ValueError(f"from_dict: op {op!r}; expected one of {', '.join(map(repr, kinds))}")
    return kinds[op].from_dict(d)
