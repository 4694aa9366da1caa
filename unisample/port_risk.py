"""How much a model's output changes if it is ported without unisample.

``port_risk(model, example_input, to=["keras"])`` runs the model (torch,
Keras or paddle) on ``example_input`` several times:

1. as it is, recording every resize (``scan`` by running) and, at each call,
   what the target's *naive* port computes on that call's own input: the
   target's native call ``port`` finds equivalent to the resize's spec, else
   the closest one (``porting.naive_call``, the call whose differences
   ``port``'s reasons name).  Its numbers are its spec as the target's
   ``Upsample.from_<target>`` reads it, applied by unisample: the conformance
   suite checks that this equals the native op.  The difference of the two
   outputs is the resize's own error, on the inputs it really sees;
2. with that one resize replaced by the naive call (the others as they are),
   once per resize: how much of the model's output that resize alone moves;
3. with every resize replaced: the end-to-end difference of a naive port;
4. with every resize computed by its unisample spec: the difference a port
   that uses unisample's layers keeps (rounding only).

Differences are max and mean absolute values over every element of every
output (in float64).  A resize for which the target has no call of its kind
(nearest-exact in a framework without it, say) cannot be ported naively: its
row says so and it is left as it is.  Imports no framework: the scanners run
the models, the adapters apply the specs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import porting
from .scanning import Found, _scanner_of, render_rows
from .shuffle import ShuffleSpec, is_shuffle
from .spec import Upsample

__all__ = ["Naive", "Difference", "ResizeRisk", "PortRisk", "port_risk", "render", "naive_port"]


@dataclass(frozen=True)
class Difference:
    """Max and mean absolute difference between two results (0 and 0 for equal ones)."""

    max: float = 0.0
    mean: float = 0.0

    @staticmethod
    def of(a: List[np.ndarray], b: List[np.ndarray]) -> "Difference":
        """Between two lists of arrays of the same shapes; NaN where one holds a NaN the other does not."""
        if len(a) != len(b) or any(x.shape != y.shape for x, y in zip(a, b)):
            raise ValueError(f"port risk: the outputs differ in shape ({[x.shape for x in a]} vs "
                             f"{[y.shape for y in b]}); a naive port cannot even run this model")
        diffs = [np.abs(x.astype(np.float64) - y.astype(np.float64)).ravel() for x, y in zip(a, b)]
        both = np.concatenate(diffs) if diffs else np.zeros(0)
        return Difference(float(both.max(initial=0.0)), float(both.mean()) if both.size else 0.0)


@dataclass(frozen=True)
class Naive:
    """The call a port without unisample writes for one resize, and its spec."""

    code: str  # the target's own call (``port``'s text), "" where there is none
    spec: Optional[Union[Upsample, ShuffleSpec]]  # in the model's layout; None where there is no call


@dataclass
class ResizeRisk:
    """One resize of a model ported naively to one target."""

    row: Found
    naive: Naive
    #: the naive call against the model's own resize, on the inputs the model gave it
    resize: Difference = Difference()
    #: the model's output with this resize alone ported naively
    alone: Difference = Difference()
    _accumulated: List[Tuple[float, float, int]] = field(default_factory=list, repr=False)


@dataclass
class PortRisk:
    """A model ported naively to ``target``: per resize, and end to end."""

    target: str
    resizes: List[ResizeRisk]
    #: the model's output with every resize ported naively
    naive: Difference = Difference()
    #: the model's output with every resize computed by its unisample spec
    unisample: Difference = Difference()


def _arrays(output) -> List[np.ndarray]:
    """A model's output (a tensor, or tuples, lists and dicts of them) as numpy arrays."""
    from .adapters import adapter_for

    if isinstance(output, dict):
        return [a for key in sorted(output, key=str) for a in _arrays(output[key])]
    if isinstance(output, (list, tuple)):
        return [a for item in output for a in _arrays(item)]
    return [np.asarray(adapter_for(output).to_numpy(output))]


def _key(row: Found) -> tuple:
    """What identifies a resize across runs (the rows of each run are new objects)."""
    return (row.where, row.site, row.what, row.spec, row.error)


def naive_port(spec, target: str, shape: Tuple[int, ...], cache: Optional[dict] = None) -> Naive:
    """The naive port of ``spec`` (a resize or a pixel shuffle) to ``target`` on an
    input of ``shape``, in the spec's layout."""
    if is_shuffle(spec):
        found = porting.naive_shuffle_call(spec, target)
        if found is None:
            return Naive("", None)
        return Naive(found[0].code.splitlines()[-1].partition("resize = ")[2], found[1])
    axes = spec.check_input(shape)
    rank = len(axes)
    key = (spec, target, rank)
    if cache is not None and key in cache:
        pair = cache[key]
    else:
        pair = porting.naive_call(spec, target, rank)
        if cache is not None:
            cache[key] = pair
    if pair is None:
        return Naive("", None)
    call, at = pair
    other = at(tuple(shape[a] for a in axes))
    if other is None:  # the call refuses this input size
        return Naive("", None)
    if other.data_format != spec.data_format:
        other = Upsample.from_dict({**other.to_dict(), "data_format": spec.data_format})
    code = call.code.splitlines()[-1].partition("  #")[0]  # the call, not port's comment on it
    return Naive(code.partition("resize = ")[2] or code, other)


def _targets(scanner, to: Sequence[str]) -> List[str]:
    """``to``, checked: frameworks only, for a model that runs."""
    if not hasattr(scanner, "run") or scanner.SOURCE == "onnx":
        raise ValueError(f"port risk: {scanner.SOURCE} models are read, not run; measure the model they were "
                         "exported from")
    bad = [t for t in to if t not in porting.targets() or t == "onnx"]
    if bad:
        raise ValueError(f"to: got {', '.join(map(repr, bad))}; the port risk is measured for frameworks: "
                         f"{', '.join(t for t in porting.targets() if t != 'onnx')}")
    return list(to)


def _ported(row: Found) -> bool:
    """Whether a port replaces ``row``: a resize read, not a unisample layer already."""
    return row.spec is not None and row.what != "unisample layer"


class _Runs:
    """The runs of one model on one input that ``port_risk`` compares."""

    def __init__(self, scanner, model, example_input, targets: List[str]):
        self.scanner, self.model, self.example_input, self.targets = scanner, model, example_input, targets
        self.cache: dict = {}
        self.risks: Dict[str, Dict[tuple, ResizeRisk]] = {t: {} for t in targets}
        output = scanner.run(model, example_input, substitute=self._measure)[1]
        self.reference = _arrays(output)
        for by_key in self.risks.values():
            for risk in by_key.values():
                if risk._accumulated:
                    total = sum(n for _, _, n in risk._accumulated)
                    risk.resize = Difference(max(m for m, _, _ in risk._accumulated),
                                             sum(s for _, s, _ in risk._accumulated) / max(total, 1))

    def _measure(self, row: Found, data) -> None:
        """As the model runs as it is: each target's naive call against the resize, on its input."""
        if not _ported(row):
            return None
        assert row.spec is not None
        shape = tuple(int(n) for n in data.shape)
        ours = _arrays(row.spec(data))[0].astype(np.float64)
        for target in self.targets:
            naive = naive_port(row.spec, target, shape, self.cache)
            risk = self.risks[target].setdefault(_key(row), ResizeRisk(row, naive))
            if naive.spec is not None:
                diff = np.abs(_arrays(naive.spec(data))[0].astype(np.float64) - ours)
                risk._accumulated.append((float(diff.max(initial=0.0)), float(diff.sum()), diff.size))
        return None

    def naive(self, target: str, only: Optional[tuple] = None) -> Difference:
        """The model's output with its resizes (the one keyed ``only``, or all) ported naively to ``target``."""
        def spec_of(row: Found, shape):
            if only is not None and _key(row) != only:
                return None
            return naive_port(row.spec, target, shape, self.cache).spec
        return self.run(spec_of)

    def run(self, spec_of: Callable[[Found, Tuple[int, ...]], Optional[Union[Upsample, ShuffleSpec]]]) -> Difference:
        """The model's output with each resize computed by ``spec_of(row, input shape)`` (None: its own)."""
        def substitute(row: Found, data):
            spec = spec_of(row, tuple(int(n) for n in data.shape)) if _ported(row) else None
            return spec(data) if spec is not None else None

        output = self.scanner.run(self.model, self.example_input, substitute=substitute)[1]
        return Difference.of(_arrays(output), self.reference)


def port_risk(model, example_input, to: Sequence[str]) -> List[PortRisk]:
    """Per target of ``to``: how much each resize of ``model`` and the model's
    output change when it is ported with the target's own ops instead of
    unisample's layers, measured by running it on ``example_input`` (a tensor
    of the model's framework or a numpy array).  ONNX is not a target here
    (a graph has no native call to choose)."""
    scanner = _scanner_of(model)
    runs = _Runs(scanner, model, example_input, _targets(scanner, to))
    out = []
    for target, by_key in runs.risks.items():
        for key, risk in by_key.items():
            if risk.naive.spec is not None and risk.resize.max != 0:  # equal outputs leave the model's equal
                risk.alone = runs.naive(target, only=key)
        out.append(PortRisk(target, list(by_key.values()), naive=runs.naive(target),
                            unisample=runs.run(lambda row, shape: row.spec)))
    return out


def _figure(d: Difference) -> str:
    return f"{d.max:.3g} / {d.mean:.3g}"


def render(risks: List[PortRisk]) -> str:
    """The port-risk table ``unisample scan --input-shape --to`` prints after the scan's."""
    out = ["port risk: max / mean |difference| if each resize is ported with the target's own op "
           "(the call `unisample port` names), on this input"]
    for risk in risks:
        header = ["op", "kind", f"{risk.target} native call", "this resize", "model output, this resize alone"]
        rows = [[r.row.where, r.row.what, r.naive.code or "(none: needs unisample)",
                 _figure(r.resize) if r.naive.spec is not None else "-",
                 _figure(r.alone) if r.naive.spec is not None else "-"] for r in risk.resizes]
        out += [""] + render_rows(header, rows)
        out += [f"{risk.target}, end to end: every resize native {_figure(risk.naive)}; "
                f"unisample layers {_figure(risk.unisample)}"]
    return "\n".join(out)
