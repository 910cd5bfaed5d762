"""``envgym report DIR``: one self-contained HTML file for a run (no scripts, fonts or images
fetched from anywhere): the summary, charts as inline SVG (episodes by status, reward histogram,
mean reward per category), a per-task table, and every episode's transcript in a collapsible
section.

Example:
    >>> # path = write_report("runs/counter-qwen")      # -> runs/counter-qwen/report.html
"""

from __future__ import annotations

import html
import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from envgym.agents.loop import EpisodeRecord
from envgym.eval.records import load_run
from envgym.eval.stats import category_of, is_scored, summarize
from envgym.protocol import EpisodeStatus

STATUS_COLORS = {
    "completed": "#2e7d32",
    "truncated": "#f9a825",
    "agent_error": "#c62828",
    "env_error": "#6a1b9a",
    "grader_error": "#ad1457",
    "timeout": "#ef6c00",
    "running": "#757575",
}
MAX_MESSAGE_CHARS = 20_000

CSS = """
body{font-family:system-ui,-apple-system,'DejaVu Sans',sans-serif;margin:2rem auto;max-width:1200px;color:#222;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem} h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
.meta{color:#666;font-size:.9rem} .cards{display:flex;flex-wrap:wrap;gap:.8rem;margin:1rem 0}
.card{border:1px solid #ddd;border-radius:6px;padding:.6rem 1rem;min-width:9rem} .card b{display:block;font-size:1.4rem}
.charts{display:flex;flex-wrap:wrap;gap:1.5rem} figure{margin:0} figcaption{font-size:.9rem;color:#555;text-align:center}
table{border-collapse:collapse;width:100%;font-size:.85rem} th,td{border-bottom:1px solid #eee;padding:.25rem .5rem;text-align:left}
th{background:#fafafa;position:sticky;top:0} td.num{text-align:right;font-variant-numeric:tabular-nums}
.st{display:inline-block;padding:0 .4rem;border-radius:3px;color:#fff;font-size:.75rem;margin-right:.2rem}
details.ep{border:1px solid #e5e5e5;border-radius:5px;margin:.3rem 0;padding:.2rem .6rem} details.ep>summary{cursor:pointer}
.msg{margin:.4rem 0;padding:.4rem .6rem;border-radius:4px;white-space:pre-wrap;word-break:break-word;font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:.8rem}
.role-system{background:#f3f3f3} .role-user{background:#e8f1fb} .role-assistant{background:#eef8ee} .role-tool{background:#fdf6e3}
.role{font-weight:bold;font-family:system-ui,sans-serif;display:block;margin-bottom:.2rem} pre{white-space:pre-wrap;font-size:.8rem}
svg text{font-family:system-ui,'DejaVu Sans',sans-serif;font-size:11px;fill:#333}
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def format_number(value: Any, digits: int = 3) -> str:
    """A number as a report shows it: a float to ``digits`` places, None as a dash.

    >>> format_number(0.5), format_number(None), format_number(3)
    ('0.500', '—', '3')
    """
    if value is None:
        return "—"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def bar_chart(
    title: str,
    labels: list[str],
    values: list[float],
    *,
    colors: list[str] | None = None,
    vmax: float | None = None,
    value_fmt: str = "{:.2f}",
    width: int = 420,
    bar_h: int = 22,
) -> str:
    """A horizontal bar chart as inline SVG."""
    vmax = vmax if vmax is not None else max([v for v in values if v is not None] or [1.0]) or 1.0
    label_w, pad = 130, 8
    height = pad * 2 + bar_h * max(1, len(labels))
    plot_w = width - label_w - 60
    parts = [
        f'<svg class="chart" role="img" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{_e(title)}</title>'
    ]
    for i, (label, value) in enumerate(zip(labels, values)):
        y = pad + i * bar_h
        w = 0 if value is None else max(1.0, plot_w * (value / vmax)) if value > 0 else 0
        color = colors[i] if colors else "#1976d2"
        short = label if len(label) <= 20 else label[:19] + "…"
        shown = _e("—" if value is None else value_fmt.format(value))
        parts.append(f'<text x="{label_w - 6}" y="{y + bar_h * 0.65:.1f}" text-anchor="end">{_e(short)}</text>')
        parts.append(
            f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{bar_h - 6}" fill="{color}">'
            f"<title>{_e(label)}: {shown}</title></rect>"
        )
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h * 0.65:.1f}">{shown}</text>')
    parts.append("</svg>")
    return "".join(parts)


def histogram(
    title: str,
    values: list[float],
    *,
    bins: int = 10,
    lo: float = 0.0,
    hi: float = 1.0,
    width: int = 420,
    height: int = 200,
) -> str:
    """A vertical histogram as inline SVG (values outside [lo, hi] go to the edge bins)."""
    counts = [0] * bins
    for v in values:
        idx = int((v - lo) / (hi - lo) * bins) if hi > lo else 0
        counts[min(bins - 1, max(0, idx))] += 1
    top = max(counts) or 1
    left, bottom, pad = 36, 28, 10
    plot_w, plot_h = width - left - pad, height - bottom - pad
    bw = plot_w / bins
    parts = [
        f'<svg class="chart" role="img" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{_e(title)}</title>',
        f'<line x1="{left}" y1="{pad + plot_h}" x2="{left + plot_w}" y2="{pad + plot_h}" stroke="#999"/>',
        f'<text x="{left - 4}" y="{pad + 8}" text-anchor="end">{top}</text>',
        f'<text x="{left - 4}" y="{pad + plot_h}" text-anchor="end">0</text>',
    ]
    for i, c in enumerate(counts):
        h = plot_h * c / top
        x = left + i * bw
        parts.append(
            f'<rect class="bar" x="{x + 1:.1f}" y="{pad + plot_h - h:.1f}" width="{bw - 2:.1f}" height="{h:.1f}" fill="#1976d2">'
            f"<title>{lo + (hi - lo) * i / bins:.2f}–{lo + (hi - lo) * (i + 1) / bins:.2f}: {c}</title></rect>"
        )
    for i in range(0, bins + 1, max(1, bins // 5)):
        x = left + i * bw
        parts.append(f'<text x="{x:.1f}" y="{height - 10}" text-anchor="middle">{lo + (hi - lo) * i / bins:.1f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _message_html(message: Any) -> str:
    role = message.role
    body = message.text() if message.content is not None else ""
    if len(body) > MAX_MESSAGE_CHARS:
        body = body[:MAX_MESSAGE_CHARS] + f"\n… ({len(body) - MAX_MESSAGE_CHARS} more characters)"
    extra = "\n".join(f"→ {c.function.name}({c.function.arguments})" for c in message.tool_calls or [])
    label = role + (f" ({message.tool_call_id})" if message.tool_call_id else "")
    text = "\n".join(part for part in (body, extra) if part)
    return f'<div class="msg role-{_e(role)}"><span class="role">{_e(label)}</span>{_e(text)}</div>'


def _status_badge(status: str) -> str:
    return f'<span class="st" style="background:{STATUS_COLORS.get(status, "#555")}">{_e(status)}</span>'


def _episode_html(record: EpisodeRecord) -> str:
    status = record.status.value
    head = (
        f"{_status_badge(status)} <b>{_e(record.task_id)}</b> · sample {record.sample} · reward {format_number(record.reward)} · "
        f"{record.turns} turns · {format_number(record.timings.get('total_s'), 2)} s"
    )
    parts = [f'<details class="ep" id="ep-{_e(record.task_id)}-{record.sample}"><summary>{head}</summary>']
    parts.extend(_message_html(m) for m in record.messages)
    grade = record.grade.model_dump() if record.grade is not None else None
    for name, value in (("grade", grade), ("error", record.error), ("regrade", record.extra.get("regrade"))):
        if value:
            parts.append(f"<p><b>{name}</b></p><pre>{_e(json.dumps(value, indent=2, default=str))}</pre>")
    parts.append("</details>")
    return "".join(parts)


def render_report(manifest: dict[str, Any], records: list[EpisodeRecord], title: str | None = None) -> str:
    """The report as one HTML string."""
    summary = summarize(records, manifest=manifest)
    k = summary["k"]
    title = (
        title or f"envgym eval · {manifest.get('env_id') or manifest.get('env', '?')} · {manifest.get('agent', '?')}"
    )
    ci = summary["mean_reward_ci95"]
    cards = [
        ("mean reward", format_number(summary["mean_reward"])),
        ("95% CI", f"{ci[0]:.3f} – {ci[1]:.3f}" if ci else "—"),
        ("pass@1", format_number(summary["pass@1"])),
    ]
    if k != 1:
        cards.append((f"pass@{k}", format_number(summary.get(f"pass@{k}"))))
    cards += [("tasks", summary["tasks"]), ("episodes", summary["episodes"]), ("errors", summary["errors"])]
    statuses = [s.value for s in EpisodeStatus if s.value in summary["status_counts"]]
    status_chart = bar_chart(
        "episodes by status",
        statuses,
        [summary["status_counts"][s] for s in statuses],
        colors=[STATUS_COLORS.get(s, "#555") for s in statuses],
        value_fmt="{:.0f}",
    )
    rewards = [r.reward for r in records if is_scored(r)]
    lo, hi = min([0.0, *rewards]), max([1.0, *rewards])
    hist = histogram("reward histogram (scored episodes)", rewards, lo=lo, hi=hi)
    cats = summary["per_category"]
    cat_chart = bar_chart(
        "mean reward by category", list(cats), [c["mean_reward"] for c in cats.values()], vmax=max(1.0, hi)
    )

    by_task: dict[tuple[str, str], list[EpisodeRecord]] = defaultdict(list)
    for r in records:
        by_task[(r.env, r.task_id)].append(r)
    rows = []
    for (env, task_id), recs in by_task.items():
        recs.sort(key=lambda r: r.sample)
        scored = [r for r in recs if is_scored(r)]
        mean = sum(r.reward for r in scored) / len(scored) if scored else None
        badges = "".join(f'<a href="#ep-{_e(task_id)}-{r.sample}">{_status_badge(r.status.value)}</a>' for r in recs)
        rows.append(
            f"<tr><td>{_e(task_id)}</td><td>{_e(category_of(recs[0]))}</td><td class=num>{len(recs)}</td>"
            f"<td class=num>{format_number(mean)}</td><td class=num>{sum(r.passed for r in scored)}/{len(scored)}</td>"
            f"<td>{badges}</td></tr>"
        )
    versions = manifest.get("versions") or (records[0].versions if records else {})
    meta = " · ".join(
        f"{_e(k_)}: {_e(v)}"
        for k_, v in [
            ("model", manifest.get("model")),
            ("samples/task", k),
            ("server", manifest.get("server")),
            ("seed", manifest.get("seed")),
        ]
        if v is not None
    )
    usage = summary.get("usage") or {}
    out = [
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>",
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">",
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1><p class=meta>{meta}</p>",
        f"<p class=meta>versions: {_e(', '.join(f'{a} {b}' for a, b in versions.items()))} · generated {_e(time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime()))}</p>",
        '<div class="cards">'
        + "".join(f'<div class="card">{_e(name)}<b>{_e(value)}</b></div>' for name, value in cards)
        + "</div>",
        "<p class=meta>Error statuses (agent_error, env_error, grader_error, timeout) are counted apart and never averaged in "
        "as zeros; reward means are over tasks, each task's mean over its completed/truncated samples.</p>",
        '<h2>Charts</h2><div class="charts">',
        f"<figure>{status_chart}<figcaption>episodes by status</figcaption></figure>",
        f"<figure>{hist}<figcaption>reward histogram ({len(rewards)} scored episodes)</figcaption></figure>",
        f"<figure>{cat_chart}<figcaption>mean reward by category</figcaption></figure></div>",
    ]
    if usage:
        out.append("<p class=meta>token usage: " + _e(", ".join(f"{a} {b}" for a, b in usage.items())) + "</p>")
    out += [
        "<h2>Tasks</h2><table><thead><tr><th>task</th><th>category</th><th>samples</th><th>mean reward</th><th>passed</th>"
        "<th>episodes</th></tr></thead><tbody>",
        *rows,
        "</tbody></table>",
        "<h2>Episodes</h2>",
        *(_episode_html(r) for recs in by_task.values() for r in recs),
        "</body></html>",
    ]
    return "\n".join(out)


def write_report(run_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write ``report.html`` (or ``out``) for a run directory; returns its path."""
    run_dir = Path(run_dir)
    manifest, records = load_run(run_dir)
    path = Path(out) if out else run_dir / "report.html"
    path.write_text(render_report(manifest, records), encoding="utf-8")
    return path


__all__ = ["render_report", "write_report", "bar_chart", "histogram"]
