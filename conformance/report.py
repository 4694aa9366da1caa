"""The HTML report: one self-contained page (inline CSS and PNG pictures).

* the summary matrix, framework x mode family, as a heatmap of the worst error
  over its bound (green: far inside, yellow: near it, red: failed), with its
  legend;
* the porting matrix, as the terminal prints it;
* the test card (``cases.picture``) through each framework's showcase
  configurations: native, unisample, and the call a port by hand writes in
  each other framework (``port_risk.naive_port``: the equivalent call, else
  the closest), with the differences on one stated colour scale;
* per framework, its worst cases, and for failing cases (or, when none fail,
  each framework's most divergent ones) input, reference, native output and
  their difference side by side;
* the native behaviour atlas (``atlas.py``): how far each framework's naive
  port lands from another framework's native output, with its legend;
* what every term of the page means.
"""

from __future__ import annotations

import html
from collections import defaultdict
from typing import List, Optional

import numpy as np

from unisample import porting
from unisample.port_risk import naive_port

from . import pictures
from .atlas import atlas
from .cases import ADAPTER_FRAMEWORKS
from .runner import porting_cell, porting_matrix

#: the test card's |difference| pictures: white at 0, full red from this many
#: input units on (the card spans 0 to 1; rounding is below 1e-6)
DIFF_SCALE = 0.25

_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.5em 0; }
td, th { border: 1px solid #ccc; padding: 4px 8px; text-align: center; }
th { background: #f4f4f4; } td.left, th.left { text-align: left; }
.pass { color: #1a7f37; } .fail { color: #cf222e; font-weight: bold; }
figure { display: inline-block; margin: 0 8px 8px 0; text-align: center; }
figure img { image-rendering: pixelated; border: 1px solid #999; }
figcaption { font-size: 12px; max-width: 150px; } .case { font-family: monospace; font-size: 12px; }
small.differ { color: #cf222e; }
.legend span.swatch { display: inline-block; width: 2.2em; height: 1em; border: 1px solid #999;
  vertical-align: middle; margin: 0 4px 0 12px; }
dl.terms dt { font-weight: bold; margin-top: 0.4em; } dl.terms dd { margin-left: 1.5em; }
"""


def _ratio_colour(ratio: Optional[float], failed: bool) -> str:
    if failed:
        return "#ff8182"
    if ratio is None:
        return "#eeeeee"
    # green (0) -> yellow (at the bound)
    t = max(0.0, min(1.0, ratio))
    red, green = int(120 + 135 * t), int(220 - 20 * t)
    return f"rgb({red},{green},120)"


def _diff_colour(diff: Optional[float]) -> str:
    if diff is None:
        return "#eeeeee"
    t = max(0.0, min(1.0, np.log10(max(diff, 1e-7)) / 7 + 1))  # 1e-7 -> 0 (same numbers), 1 -> 1
    return f"rgb({int(150 + 105 * t)},{int(230 - 150 * t)},{int(150 - 70 * t)})"


def _summary_cell(family: str, results) -> str:
    """One cell of the heatmap: passed / cases, coloured by the worst error as a
    share of its bound; a known native defect is far off by nature, not
    unisample's error (the terminal leaves it out too): counted, not coloured."""
    if not results:
        return "<td style='background:#eeeeee'>-</td>"
    failed = sum(not r.ok for r in results)
    defects = sum(r.verdict == "native defect" for r in results)
    ratios = [max(r.reference_error_eps or 0, r.numpy_error_eps or 0) / r.bound_eps
              for r in results if r.bound_eps and r.verdict != "native defect"]
    worst = max(ratios) if ratios else (0.0 if not failed else None)
    text = f"{len(results) - failed}/{len(results)}"
    detail = "exact" if all(r.exact for r in results) and not failed else f"{(worst or 0) * 100:.0f}% of bound"
    detail += f"; {defects} native defect{'s' if defects > 1 else ''}" if defects else ""
    return (f"<td style='background:{_ratio_colour(worst, failed > 0)}' "
            f"title='{html.escape(family)}: {text} passed'>{text}<br><small>{detail}</small></td>")


def _summary(runs) -> str:
    families = sorted({r.family for run in runs for r in run.results})
    rows = [f"<tr><th class='left'>framework</th>{''.join(f'<th>{html.escape(f)}</th>' for f in families)}</tr>"]
    for run in runs:
        label = f"{html.escape(run.framework)} <small>{html.escape(run.version)}</small>"
        if run.status != "ran":
            rows.append(f"<tr><td class='left'>{label}</td><td colspan='{max(1, len(families))}' "
                        f"class='fail' style='background:#ffd7d5'>{html.escape(run.status)}: "
                        f"{html.escape(run.message[:300])}</td></tr>")
            continue
        by_family = defaultdict(list)
        for r in run.results:
            by_family[r.family].append(r)
        cells = "".join(_summary_cell(family, by_family.get(family)) for family in families)
        rows.append(f"<tr><td class='left'>{label}</td>{cells}</tr>")
    return f"<table id='summary-heatmap'>{''.join(rows)}</table>"


def _worst_tables(runs, per_framework: int = 5) -> str:
    parts = []
    for run in runs:
        if run.status != "ran" or not run.results:
            continue
        ranked = sorted(run.results, key=lambda r: (r.verdict == "pass",
                                                    -max(r.reference_error_eps or 0, r.numpy_error_eps or 0)))
        rows = ["<tr><th class='left'>case</th><th>family</th><th>verdict</th><th>ref error (eps)</th>"
                "<th>numpy error (eps)</th><th>bound (eps)</th></tr>"]
        for r in ranked[:per_framework]:
            verdict = f"<span class='{'pass' if r.verdict == 'pass' else 'fail'}'>{html.escape(r.verdict)}</span>"
            fmt = lambda v: "-" if v is None else f"{v:.1f}"  # noqa: E731
            rows.append(f"<tr><td class='left case'>{html.escape(r.case)}</td><td>{html.escape(r.family)}</td>"
                        f"<td>{verdict}</td><td>{fmt(r.reference_error_eps)}</td><td>{fmt(r.numpy_error_eps)}</td>"
                        f"<td>{'exact' if r.exact else fmt(r.bound_eps)}</td></tr>")
        parts.append(f"<h3>{html.escape(run.framework)}</h3><table>{''.join(rows)}</table>")
    return "".join(parts)


def _chosen_figures(runs, limit: int) -> list:
    """``(run, result index)`` to picture: every failing case with an output (a
    native error has none), or, where nothing fails, each run's most divergent."""
    pictured = [(run, i) for run in runs for i, r in enumerate(run.results)
                if any(c.id == r.case for c, _, _ in run.arrays)]
    if any(not r.ok for run in runs for r in run.results):
        return [(run, i) for run, i in pictured if not run.results[i].ok][:limit]

    def share(r):
        return max(r.reference_error_eps or 0, r.numpy_error_eps or 0) / (r.bound_eps or 1)

    chosen = []
    for run in runs:
        mine = [i for r, i in pictured if r is run]
        if mine:
            chosen.append((run, max(mine, key=lambda i: share(run.results[i]))))
    return chosen


def _figures(runs, limit: int = 12) -> str:
    chosen = _chosen_figures(runs, limit)
    parts = []
    for run, i in chosen:
        result = run.results[i]
        case, x, native = next((c, a, b) for c, a, b in run.arrays if c.id == result.case)
        reference = case.spec.reference(x)
        last = case.spec.channels_last
        planes = [pictures.plane(a, last) for a in (x, reference, native)]
        lo = min(float(p.min()) for p in planes)
        hi = max(float(p.max()) for p in planes)
        difference = np.abs(planes[2] - planes[1])
        images = [("input", pictures.grey(planes[0], lo, hi)), ("reference", pictures.grey(planes[1], lo, hi)),
                  (f"{run.framework} native", pictures.grey(planes[2], lo, hi)),
                  (f"|difference|, white 0 to red {difference.max():.2e}", pictures.heat(difference))]
        figures = "".join(f"<figure><img alt='{html.escape(caption)}' src='{pictures.data_uri(image)}'>"
                          f"<figcaption>{html.escape(caption)}</figcaption></figure>" for caption, image in images)
        parts.append(f"<div class='visual-diff'><p class='case'>[{html.escape(result.verdict)}] "
                     f"{html.escape(result.case)}</p>{figures}</div>")
    return "".join(parts)


def _atlas_table(rows: List[dict]) -> str:
    by_source = defaultdict(dict)
    for row in rows:
        by_source[(row["source"], row["family"])][row["target"]] = row
    header = "".join(f"<th>naive port to {html.escape(t)}</th>" for t in ADAPTER_FRAMEWORKS)
    lines = [f"<tr><th class='left'>native op</th><th>family</th>{header}</tr>"]
    for (source, family), targets in sorted(by_source.items()):
        cells = []
        for target in ADAPTER_FRAMEWORKS:
            row = targets.get(target)
            if target == source:
                cells.append("<td style='background:#f4f4f4'>-</td>")
            elif row is None or row["worst"] is None:
                cells.append("<td style='background:#dddddd'>cannot express</td>")
            else:
                wrong = (f"<br><small class='fail' title='{html.escape(row['why_wrong'])}'>{row['native_wrong']} where "
                         f"{html.escape(target)}'s own op is wrong</small>" if row.get("native_wrong") else "")
                differ = (f"<br><small class='differ'>{row['differ']} of {row['expressible']} differ</small>"
                          if row["differ"] else "")
                cells.append(f"<td style='background:{_diff_colour(row['median'])}' title='worst {row['worst']:.3g}'>"
                             f"median {row['median']:.2g}<br><small>worst {row['worst']:.2g}; "
                             f"{row['expressible']}/{row['cases']} expressible</small>{differ}{wrong}</td>")
        lines.append(f"<tr><td class='left'>{html.escape(source)}</td><td>{html.escape(family)}</td>"
                     f"{''.join(cells)}</tr>")
    return f"<table id='atlas'>{''.join(lines)}</table>"


def _porting(porting) -> str:
    if not porting:
        return "<p>Not run.</p>"
    sources, targets, cells = porting_matrix(porting)
    lines = ["<tr><th class='left'>native \\ adapter</th>" + "".join(f"<th>{html.escape(t)}</th>" for t in targets)
             + "</tr>"]
    for source in sources:
        row = [f"<td class='left'>{html.escape(source)}</td>"]
        for target in targets:
            cell = cells.get((source, target))
            colour = "#eeeeee" if cell is None else ("#ff8182" if cell[0] < cell[1] else "rgb(150,220,120)")
            row.append(f"<td style='background:{colour}'>{html.escape(porting_cell(cell))}</td>")
        lines.append("<tr>" + "".join(row) + "</tr>")
    return f"<table id='porting'>{''.join(lines)}</table>"


def _swatches(items) -> str:
    """A legend: ``(colour, label)`` pairs as coloured boxes."""
    return "<p class='legend'>" + "".join(f"<span class='swatch' style='background:{c}'></span>{html.escape(t)}"
                                          for c, t in items) + "</p>"


def _summary_legend() -> str:
    return _swatches([(_ratio_colour(0.0, False), "error far inside its bound (or exact)"),
                      (_ratio_colour(0.5, False), "half the bound"), (_ratio_colour(1.0, False), "at the bound"),
                      (_ratio_colour(None, True), "a case failed"), ("#eeeeee", "no case of that family")])


def _atlas_legend() -> str:
    return _swatches([(_diff_colour(1e-7), "1e-7: the same numbers"), (_diff_colour(1e-5), "1e-5"),
                      (_diff_colour(1e-3), "1e-3"), (_diff_colour(1e-1), "0.1"),
                      (_diff_colour(1.0), "1 or more: another answer"), ("#dddddd", "cannot express"),
                      ("#f4f4f4", "- the framework itself")])


def _diff_legend() -> str:
    ramp = np.linspace(0.0, DIFF_SCALE, 64)[None, :].repeat(6, axis=0)
    bar = pictures.heat(ramp, size=160, peak=DIFF_SCALE)
    return (f"<p class='legend'>|difference| pictures: <img alt='colour scale' src='{pictures.data_uri(bar)}'> "
            f"white 0 to red {DIFF_SCALE} and more, in the test card's units (it spans 0 to 1); "
            "the outputs are drawn black 0 to white 1, clipped.</p>")


def _panel(caption: str, image: np.ndarray) -> str:
    return (f"<figure><img alt='{html.escape(caption)}' src='{pictures.data_uri(image)}'>"
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def _card_row(framework: str, case, x: np.ndarray, native) -> str:
    """One showcase case on the test card: native, unisample, each other framework's
    naive port, and the differences from the native output on ``DIFF_SCALE``."""
    if isinstance(native, str):  # the native call raised
        return (f"<div class='visual-diff'><p class='case'>{html.escape(case.id)}</p>"
                f"<p class='fail'>native error: {html.escape(native)}</p></div>")
    last = case.spec.channels_last

    def plane(a):
        return pictures.plane(a, last)

    def shown(a):
        return pictures.grey(plane(a), 0.0, 1.0, 128)

    ours = case.spec(x)
    diff = np.abs(plane(ours) - plane(native))
    panels = [_panel("test card (input)", shown(x)), _panel(f"{framework} native", shown(native)),
              _panel("unisample", shown(ours)),
              _panel(f"|unisample - native|, max {diff.max():.1e}", pictures.heat(diff, 128, DIFF_SCALE))]
    for target in porting.targets():
        if porting.framework_of(target) in (framework, None) or porting.framework_of(target) not in ADAPTER_FRAMEWORKS:
            continue
        port = naive_port(case.spec, target, case.shape)  # the call a port by hand writes (``scan --to``)
        ported = None if port.spec is None else port.spec.reference(x)
        if ported is None or ported.shape != native.shape:
            panels.append(f"<figure><figcaption>{html.escape(target)}: no such call</figcaption></figure>")
            continue
        off = np.abs(plane(ported) - plane(native))
        panels += [_panel(f"{target}: {port.code}", shown(ported)),
                   _panel(f"|{target} - native|, max {off.max():.2f}", pictures.heat(off, 128, DIFF_SCALE))]
    return (f"<div class='visual-diff test-card'><p class='case'>{html.escape(case.id)}<br>"
            f"unisample.{html.escape(repr(case.spec))}</p>{''.join(panels)}</div>")


def _test_card(runs) -> str:
    """Each framework's showcase on the test card (``_card_row``)."""
    parts = [_card_row(run.framework, *item) for run in runs for item in run.showcase]
    return "".join(parts) or "<p>No showcase ran (<code>--html</code> runs each framework's showcase).</p>"


_TERMS = [
    ("eps", "the input dtype's machine epsilon times max(1, max|x|) of the input: errors are counted in it"),
    ("bound", "how far a case may be from the float64 reference, in eps (unisample/tolerance.py, README "
              "'Tolerance policy'); 'exact' means bit for bit (nearest modes, pixel shuffles)"),
    ("ref error / numpy error", "the native output's distance from the float64 reference and from unisample's "
                                "numpy adapter, in eps"),
    ("passed / cases", "how many of a family's cases are within their bound"),
    ("native defect", "a native output its framework's adapter knows to be wrong (README 'When a native op is "
                      "wrong'): listed, not a failure; unisample computes the spec there"),
    ("porting matrix", "each framework's native outputs (rows) recomputed by every adapter (columns) from the "
                       "spec unisample reads from the native configuration; worst: the largest error in eps, "
                       "exact cases and native defects left out"),
    ("naive port", "the other framework's own op called with the same nominal arguments (mode family, output "
                   "size, align_corners, antialias; a pixel shuffle's factor) and its defaults for the rest"),
    ("expressible", "of a family's cases, how many the other framework has such a call for; 'cannot express': "
                    "none"),
    ("median / worst", "over a cell's expressible cases, of each case's largest absolute difference between the "
                       "naive port and the native output, in output units (float32 cases, N(0, 1) inputs); an "
                       "atlas cell is coloured by the median"),
    ("differ", "of a cell's expressible cases, how many a naive port changes by more than 1e-5: another answer, "
               "not rounding"),
    ("test card", "a 128x128 picture of rings, bars 1 to 4 pixels wide, a ramp and a checkerboard "
                  "(conformance/cases.py: picture), through a few native configurations of each framework"),
]


def _definitions() -> str:
    return "<dl class='terms'>" + "".join(f"<dt>{html.escape(t)}</dt><dd>{html.escape(d)}</dd>"
                                          for t, d in _TERMS) + "</dl>"


def render(runs, porting=()) -> str:
    """The whole report page for lists of ``runner.FrameworkRun`` (native runs and replays)."""
    failed = any(run.failed for run in list(runs) + list(porting))
    atlas_rows = atlas({run.framework: run.arrays for run in runs if run.status == "ran"})
    verdict = ("<p class='fail'>FAILED: some native outputs are not reproduced</p>" if failed else
               "<p class='pass'>OK: every installed framework's native output is reproduced</p>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>unisample conformance report</title>
<style>{_STYLE}</style></head><body>
<h1>unisample conformance report</h1>
{verdict}
<h2>Summary: passed cases per framework and mode family</h2>
<p>Each framework's native resize and pixel-shuffle ops against the float64 reference and the numpy engine: each
cell is passed / cases, coloured by the worst error as a share of its bound.</p>
{_summary_legend()}
{_summary(runs)}
<h2>Porting: each framework's native outputs through every adapter</h2>
<p>The spec of every native configuration (from <code>Upsample.from_&lt;framework&gt;</code>) applied to the same
input by each framework's adapter, against the native output: passed / cases and the worst error, as
<code>unisample conformance</code> prints it.</p>
{_porting(porting)}
<h2>The test card: native, unisample and each naive port</h2>
<p>A few native configurations of each framework on a picture with edges and fine detail.  unisample's output is
the native one to rounding; a naive port (the other framework's own op with the same nominal arguments) often is
not.</p>
{_diff_legend()}
{_test_card(runs)}
<h2>Worst cases per framework</h2>
{_worst_tables(runs)}
<h2>Pictures: input, reference, native output, difference</h2>
<p>{"Failing cases." if failed else "No case fails: each framework's most divergent case."}  The catalogue's
inputs are small N(0, 1) arrays; each |difference| picture is scaled to its own maximum, given in its caption
(rounding is near 1e-6).</p>
{_figures(runs)}
<h2>Native behaviour atlas: what porting without unisample changes</h2>
<p>Each framework's native configurations, called in another framework with the same nominal arguments and that
framework's defaults; the cells give the median and worst absolute difference from the original output
(float32 cases, N(0, 1) inputs), coloured by the median (the typical port), how many of the family's cases the
other framework can express, and how many of those differ: above 1e-5 is another answer, not rounding.
"where ...'s own op is wrong" counts the cases where the target's kernel is known not to compute its own
configuration (torch's antialiased kernels at output width 1): the naive port lands further off there than
the figure says, and unisample computes the filter.</p>
{_atlas_legend()}
{_atlas_table(atlas_rows)}
<h2>Terms</h2>
{_definitions()}
</body></html>
"""
