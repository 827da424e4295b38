"""bench/scale.svg: the scale table as a log-log plot, microseconds per file against files.

Plain SVG text (no plotting library): one polyline per reader, axes at powers of ten,
a legend on the right. Written by bench/run.py from the same grid as the table.
"""
from __future__ import annotations

import math
from html import escape

__all__ = ["scale_svg"]

WIDTH, HEIGHT = 860, 480
LEFT, RIGHT, TOP, BOTTOM = 70, 250, 40, 50
COLORS = ("#000000", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
          "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939")


def _decades(lo: float, hi: float) -> list[int]:
    return list(range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1))


def scale_svg(lines: dict, title: str) -> str:
    """``lines``: reader name -> {files: microseconds per file}. The SVG document as text."""
    xs = sorted({n for pts in lines.values() for n in pts})
    ys = [v for pts in lines.values() for v in pts.values() if v > 0]
    if not xs or not ys:
        raise ValueError("nothing to plot")
    xd, yd = _decades(min(xs), max(xs)), _decades(min(ys), max(ys))
    if len(xd) < 2:
        xd.append(xd[0] + 1)
    if len(yd) < 2:
        yd.append(yd[0] + 1)
    pw, ph = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(n):
        return LEFT + (math.log10(n) - xd[0]) / (xd[-1] - xd[0]) * pw

    def py(v):
        return TOP + ph - (math.log10(v) - yd[0]) / (yd[-1] - yd[0]) * ph

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
           f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
           f'<text x="{LEFT}" y="22" font-size="14">{escape(title)}</text>']
    for d in xd:
        x = px(10 ** d)
        out.append(f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{TOP + ph}" stroke="#ddd"/>')
        out.append(f'<text x="{x:.1f}" y="{TOP + ph + 18}" text-anchor="middle">{10 ** d:,}</text>')
    for d in yd:
        y = py(10 ** d)
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + pw}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{10 ** d:g}</text>')
    out.append(f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#444"/>')
    out.append(f'<text x="{LEFT + pw / 2:.1f}" y="{HEIGHT - 12}" text-anchor="middle">files read per pass</text>')
    out.append(f'<text transform="translate(16 {TOP + ph / 2:.1f}) rotate(-90)" text-anchor="middle">'
               'microseconds per file</text>')
    for i, (name, pts) in enumerate(lines.items()):
        color = COLORS[i % len(COLORS)]
        dash = ' stroke-dasharray="5 3"' if i >= len(COLORS) // 2 + 1 else ""
        pts = sorted((n, v) for n, v in pts.items() if v > 0)
        coords = " ".join(f"{px(n):.1f},{py(v):.1f}" for n, v in pts)
        out.append(f'<polyline points="{coords}" fill="none" stroke="{color}" stroke-width="2"{dash}/>')
        out += [f'<circle cx="{px(n):.1f}" cy="{py(v):.1f}" r="3" fill="{color}"/>' for n, v in pts]
        ly = TOP + 8 + i * 20
        out.append(f'<line x1="{LEFT + pw + 14}" y1="{ly}" x2="{LEFT + pw + 40}" y2="{ly}" stroke="{color}" '
                   f'stroke-width="2"{dash}/>')
        out.append(f'<text x="{LEFT + pw + 46}" y="{ly + 4}">{escape(name)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
