"""An HTML page with PNG figures, rendered from Report objects (plain data) - nothing is recomputed."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt

from ..checks.report import Report
from .figures import counterexample_figure, ratio_histogram, trajectory_figure

STYLE = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;font-size:90%}
.pass{color:#176a21}.fail{color:#b00020;font-weight:bold}.skipped{color:#a36b00}
pre{background:#f6f6f6;padding:8px;white-space:pre-wrap}img{max-width:640px}"""


def _slug(*parts: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", "-".join(parts)).strip("-").lower()


def _save(fig: Any, directory: Path, name: str) -> str:
    (directory / "figures").mkdir(parents=True, exist_ok=True)
    rel = f"figures/{name}.png"
    fig.savefig(directory / rel, dpi=90)
    plt.close(fig)
    return rel


def write_html(reports: Sequence[Report], directory: str | Path, title: str = "ratecheck report",
               extra: dict[str, Any] | None = None) -> Path:
    """Write directory/index.html and directory/figures/*.png; return the index path."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    e = html.escape
    first = reports[0] if reports else None
    meta = {"profile": first.profile if first else "", "seed": (first.seed if first and first.seed is not None
                                                                else "derandomised"),
            **({"versions": ", ".join(f"{k} {v}" for k, v in first.versions.items())} if first else {}),
            **(extra or {})}
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{e(title)}</title>"
             f"<style>{STYLE}</style></head><body><h1>{e(title)}</h1>",
             "<p>" + " &middot; ".join(f"<b>{e(str(k))}</b>: {e(str(v))}" for k, v in meta.items()) + "</p>",
             "<p>Reproduce with the same profile and seed (<code>--profile</code>, <code>--seed</code>).</p>"]
    parts.append("<table><tr><th>method</th><th>target</th><th>setting</th><th>property</th><th>examples</th>"
                 "<th>worst ratio</th><th>verdict</th></tr>")
    for rep in reports:
        for r in rep.results:
            ratio = "-" if r.worst_ratio is None else f"{r.worst_ratio:.4g}"
            parts.append(f"<tr><td>{e(rep.method)}</td><td>{e(rep.target)}</td><td>{e(r.setting)}</td>"
                         f"<td>{e(r.property)}</td><td>{r.examples}</td><td>{ratio}</td>"
                         f"<td class='{r.verdict}'>{r.verdict}</td></tr>")
    parts.append("</table>")
    for i, rep in enumerate(reports):
        parts.append(f"<h2>{e(rep.method)}: {e(rep.target)}</h2>")
        with_curves = [r for r in rep.results if r.details.get("examples")]
        for r in with_curves:
            src = _save(trajectory_figure(r), out, _slug(str(i), rep.method, r.property, r.setting))
            parts.append(f"<h3>{e(r.property)} / {e(r.setting)} ({e(r.bound_id or '')})</h3>"
                         f"<img src='{src}' alt='trajectories {e(r.setting)}'>")
        if with_curves:
            src = _save(ratio_histogram(with_curves), out, _slug(str(i), rep.method, "ratios"))
            parts.append(f"<h3>observed / bound over all examples</h3><img src='{src}' alt='ratio histogram'>")
        for r in rep.failures:
            parts.append(f"<h3 class='fail'>FAILED: {e(r.property)} / {e(r.setting)}</h3>")
            if r.counterexample is not None:
                parts.append(f"<pre>{e(r.counterexample.describe())}</pre>")
                if r.counterexample.observed_curve:
                    src = _save(counterexample_figure(r.counterexample), out,
                                _slug(str(i), rep.method, r.property, r.setting, "counterexample"))
                    parts.append(f"<img src='{src}' alt='counterexample'>")
            else:
                parts.append(f"<pre>{e(r.message)}</pre>")
    parts.append("</body></html>")
    index = out / "index.html"
    index.write_text("\n".join(parts))
    return index
