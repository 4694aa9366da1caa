"""Specs and input shapes that exercise every way a pass is computed (the numpy
engine's windows, grouped pixels, blocks and gathers; the frameworks' blocks
and gathers): layouts, ranks, modes, enlarging and shrinking, periodic taps.
Shared by ``test_engine.py``, ``test_portable.py`` and ``test_jax.py``, with
``record_calls``, which shows which way a pass ran."""

from unisample import Upsample, engine

PASS_CASES = [
    (Upsample(scale_factor=2, mode="bilinear"), (2, 3, 37, 29)),
    (Upsample(scale_factor=2, mode="bilinear", data_format="channels_last"), (2, 37, 29, 3)),
    (Upsample(size=(70, 20), mode="bicubic", align_corners=True), (1, 5, 37, 129)),
    (Upsample(size=(9, 40), mode="bicubic", antialias=True, data_format="channels_last"), (1, 131, 97, 4)),
    (Upsample(size=(64, 48), mode="lanczos3", antialias=True), (2, 2, 300, 200)),
    (Upsample(size=(11, 13, 17), mode="trilinear"), (1, 2, 5, 30, 8)),
    (Upsample(size=(7, 9), mode="area"), (1, 3, 50, 64)),
    (Upsample(size=(12, 8)), (1, 3, 50, 64)),  # nearest: a gather, exact
    # periodic taps: shrinking by 2 and 3 (grouped pixels), enlarging by 3
    (Upsample(size=(20, 16), mode="bilinear"), (1, 3, 40, 32)),
    (Upsample(size=(20, 16), mode="bicubic", data_format="channels_last"), (2, 40, 32, 3)),
    (Upsample(size=(10, 7), mode="bilinear", data_format="channels_last"), (1, 30, 21, 2)),
    (Upsample(scale_factor=3, mode="bicubic"), (1, 2, 10, 12)),
    # TF's cubic (no native op in torch or paddle), more channels than interleaving takes
    (Upsample(size=(20, 16), mode="bicubic", cubic_coeff_a=-0.5, exclude_outside=True,
              data_format="channels_last"), (2, 40, 32, 6)),
]
PASS_CASE_IDS = [repr(spec) for spec, _ in PASS_CASES]

#: the numpy engine's pass methods, each forced where the taps allow it, as a
#: replacement test for ``engine._method`` (these inputs are small: as chosen,
#: most passes would gather, and none would use windows)
ENGINE_FORCED = {
    "blocks": lambda taps, pre, post, dtype: taps.weight is not None,
    "windows": lambda taps, pre, post, dtype: engine._period(taps) is not None,
    "grouped": lambda taps, pre, post, dtype: post <= 4 and engine._period(taps) is not None
    and engine._grouped(taps, dtype, post) is not None,
}


def record_calls(monkeypatch, owner, name: str) -> list:
    """The second argument (the taps, or the phases) of each call of
    ``owner.<name>`` while the test runs: one entry per pass computed that way."""
    runs = []
    function = getattr(owner, name)

    def recording(x, plan, *args):
        runs.append(plan)
        return function(x, plan, *args)

    monkeypatch.setattr(owner, name, recording)
    return runs
