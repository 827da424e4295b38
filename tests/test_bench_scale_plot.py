"""bench/svgplot.py: the scale plot is well-formed SVG whose points sit where their values say."""
from __future__ import annotations

import sys
import xml.dom.minidom
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from readers import scale_lines  # noqa: E402
from svgplot import scale_svg  # noqa: E402


def points(doc, index):
    line = doc.getElementsByTagName("polyline")[index]
    return [tuple(map(float, p.split(","))) for p in line.getAttribute("points").split()]


def test_one_line_per_reader_in_the_tables_order_with_its_points_placed_by_value():
    grid = {(10, "read()"): 0.2, (100, "read()"): 2.0, (1000, "read()"): 30.0,
            (10, "floor"): 0.05, (100, "floor"): 0.5, (1000, "floor"): 5.0, (10, "C reader"): 0.1}
    lines = scale_lines(grid)
    assert list(lines) == ["floor", "read()", "C reader"]
    assert lines["read()"] == {10: 20.0, 100: 20.0, 1000: 30.0}  # microseconds per file
    doc = xml.dom.minidom.parseString(scale_svg(lines, "t"))
    assert doc.documentElement.tagName == "svg"
    assert len(doc.getElementsByTagName("polyline")) == 3
    floor, read = points(doc, 0), points(doc, 1)
    assert [x for x, _ in floor] == sorted(x for x, _ in floor)  # files grow to the right
    assert read[0][1] == read[1][1] and read[2][1] < read[1][1]  # equal values level, larger higher up
    assert all(r[1] < f[1] for r, f in zip(read, floor))  # read() costs more than the floor everywhere
    legend = [t.firstChild.data for t in doc.getElementsByTagName("text")][-3:]
    assert legend == ["floor", "read()", "C reader"]


def test_nothing_to_plot_is_an_error():
    import pytest
    with pytest.raises(ValueError, match="nothing to plot"):
        scale_svg({}, "t")
