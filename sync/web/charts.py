"""Charts drawn on the server as SVG: no chart library, no script, nothing fetched.

Each chart is an image with its numbers in words (`aria-label`, `<title>`) and is always shown
beside a table of the same figures, so a screen reader or a printout loses nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

# Colours with at least 3:1 contrast against the white page (WCAG 1.4.11, graphics), told
# apart by lightness as well as hue so a grey printout keeps them distinct.
SERIES_COLOURS = ("#1b5e20", "#b71c1c", "#0d47a1")


@dataclass(frozen=True)
class Series:
    label: str  # e.g. 奖励
    values: Sequence[int]  # one per group, never negative


def grouped_bars(
    groups: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    unit: str,
    width: int = 480,
    height: int = 200,
) -> Markup:
    """Bars per group (e.g. per month), one per series, on a scale from zero to the largest."""
    if any(len(s.values) != len(groups) for s in series):
        raise ValueError("every series needs one value per group")
    if any(v < 0 for s in series for v in s.values):
        raise ValueError("bars are drawn from zero: values must not be negative")
    top = max((v for s in series for v in s.values), default=0) or 1
    legend_height, label_height = 24, 22
    plot_top, plot_bottom = legend_height + 14, height - label_height
    plot_height = plot_bottom - plot_top
    group_width = width / max(len(groups), 1)
    bar_width = group_width * 0.7 / max(len(series), 1)
    said = "；".join(
        f"{group}：" + "，".join(f"{s.label} {s.values[i]} {unit}" for s in series)
        for i, group in enumerate(groups)
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="chart" role="img" aria-label="{escape(title)}：{escape(said)}">',
        f"<title>{escape(title)}</title>",
    ]
    x = 0.0
    for index, s in enumerate(series):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        parts.append(f'<rect x="{x:.0f}" y="4" width="14" height="14" fill="{colour}"/>')
        parts.append(
            f'<text x="{x + 18:.0f}" y="16" font-size="14" fill="#222">{escape(s.label)}</text>'
        )
        x += 18 + 15 * (len(s.label) + 2)
    parts.append(f'<line x1="0" y1="{plot_bottom}" x2="{width}" y2="{plot_bottom}" stroke="#444"/>')
    for g, group in enumerate(groups):
        left = g * group_width + group_width * 0.15
        for index, s in enumerate(series):
            value = s.values[g]
            bar = round(plot_height * value / top)
            bx = left + index * bar_width
            colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
            parts.append(
                f'<rect x="{bx:.1f}" y="{plot_bottom - bar}" width="{bar_width - 2:.1f}" '
                f'height="{bar}" fill="{colour}"><title>{escape(group)} {escape(s.label)} '
                f"{value} {escape(unit)}</title></rect>"
            )
            parts.append(
                f'<text x="{bx + bar_width / 2 - 1:.1f}" y="{plot_bottom - bar - 3}" '
                f'font-size="11" text-anchor="middle" fill="#222">{value}</text>'
            )
        parts.append(
            f'<text x="{g * group_width + group_width / 2:.1f}" y="{height - 5}" '
            f'font-size="14" text-anchor="middle" fill="#222">{escape(group)}</text>'
        )
    parts.append("</svg>")
    # Every piece of text above went through escape(): the result is safe to place as is.
    return Markup("".join(parts))
