"""Small bar charts drawn on the server as SVG, for the coordination views.

Nothing is loaded from outside and nothing runs in the browser: the chart is inline SVG whose
`<title>` states what it shows, and the template puts the full table of values beside it
(`templates/website/includes/chart.html`), which is the text alternative screen readers and
CSV users rely on.
"""

import zlib
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH = 640
HEIGHT = 200
MARGIN_TOP = 12
MARGIN_BOTTOM = 28
MARGIN_LEFT = 36


@dataclass(frozen=True)
class Chart:
    """A caption, a unit and labelled values; `svg` draws them, the template tabulates them."""

    caption: str
    rows: list[tuple[str, float]]
    unit: str = ""

    @property
    def peak(self) -> float:
        return max((value for _label, value in self.rows), default=0) or 1

    @property
    def svg(self) -> SafeString:
        return bar_chart_svg(self.rows, caption=self.caption, peak=self.peak)


def _number(value: float) -> str:
    return f"{value:g}"


def bar_chart_svg(rows, *, caption: str, peak: float) -> SafeString:
    """Vertical bars, one per row, scaled to `peak`; each bar carries its value as a tooltip.

    Every text (caption, labels) goes through `format_html`, so a topic or commune name can
    hold anything.
    """
    plot_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    slot = (WIDTH - MARGIN_LEFT) / max(len(rows), 1)
    bar_width = max(slot * 0.7, 1)
    bars = []
    for index, (label, value) in enumerate(rows):
        height = plot_height * (value / peak) if peak else 0
        x = MARGIN_LEFT + index * slot + (slot - bar_width) / 2
        y = MARGIN_TOP + plot_height - height
        bars.append(
            (
                f"{x:.1f}",
                f"{y:.1f}",
                f"{bar_width:.1f}",
                f"{height:.1f}",
                label,
                _number(value),
                f"{x + bar_width / 2:.1f}",
                HEIGHT - 8,
                label if len(rows) <= 12 else "",
            )
        )
    body = format_html_join(
        "",
        '<rect class="chart__bar" x="{}" y="{}" width="{}" height="{}">'
        "<title>{} : {}</title></rect>"
        '<text class="chart__label" x="{}" y="{}" text-anchor="middle">{}</text>',
        bars,
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-labelledby="{}" '
        'preserveAspectRatio="xMinYMin meet" focusable="false">'
        '<title id="{}">{}</title>'
        '<line class="chart__axis" x1="{}" y1="{}" x2="{}" y2="{}"></line>'
        '<text class="chart__label" x="0" y="{}">{}</text>'
        "{}</svg>",
        WIDTH,
        HEIGHT,
        _title_id(caption),
        _title_id(caption),
        caption,
        MARGIN_LEFT,
        MARGIN_TOP + plot_height,
        WIDTH,
        MARGIN_TOP + plot_height,
        MARGIN_TOP + 10,
        _number(peak),
        body,
    )


def _title_id(caption: str) -> str:
    """A stable id for the chart's `<title>`, unique per caption on a page."""
    return f"chart-{zlib.crc32(caption.encode()):08x}"
