"""The timeline picture, drawn with Altair (Vega-Lite): interactive in a notebook, SVG
or PNG through ``vl-convert`` for the command line and for files.

Both libraries come with the ``notebook`` extra and are imported only when a chart is
drawn, so ``import summarizer`` and the base install do not need them; without them the
functions here raise :class:`~summarizer.errors.ConfigError` naming the extra.  What is
drawn (rows, dates, conflicts, undated phases) is decided in :mod:`.timeline_data`;
this module only turns those records into marks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from summarizer.errors import ConfigError
from summarizer.outputs.timeline_data import (
    DISAGREE,
    END_OPEN,
    END_REPORTED,
    LEGEND,
    PLOT_WIDTH,
    ChartRecords,
    Timeline,
    Timelines,
    chart_records,
    epoch_ms,
    timeline_data,
)

if TYPE_CHECKING:
    import altair

__all__ = [
    "INSTALL_HINT",
    "ImageFormat",
    "image_format",
    "require_chart",
    "to_chart",
    "to_png",
    "to_svg",
    "write_image",
]

INSTALL_HINT = 'pip install "operation-summarizer[notebook]"'
ImageFormat = Literal["svg", "png"]

#: height of one row; the bar sits above the centre line, its dates below
_STEP = 50
#: height of a row in a list of undated rows (no bar, one line of words)
_STEP_UNDATED = 28
_FONT = "Liberation Sans, Helvetica, Arial, sans-serif"
_RED = LEGEND[DISAGREE]
_TOOLTIP = [
    ("row", "phase"),
    ("dates", "dates"),
    ("figures", "figures"),
    ("sources", "sources"),
    ("conflicts", "conflicts"),
]


def _altair() -> Any:
    try:
        import altair
    except ImportError:
        raise ConfigError(f"the timeline chart needs altair: {INSTALL_HINT}") from None
    return altair


def _vl_convert() -> Any:
    try:
        import vl_convert
    except ImportError:
        raise ConfigError(
            f"writing the timeline as SVG or PNG needs vl-convert-python: {INSTALL_HINT}"
        ) from None
    return vl_convert


def require_chart() -> None:
    """Fail early (before any output is written) when the ``notebook`` extra is missing."""
    _altair()
    _vl_convert()


# --------------------------------------------------------------------------- drawing


def _tooltip(alt: Any, *extra: tuple[str, str]) -> list[Any]:
    return [alt.Tooltip(f"{name}:N", title=title) for name, title in (*_TOOLTIP, *extra)]


def _color(alt: Any) -> Any:
    """One colour scale for every mark, so one legend explains them all."""
    scale = alt.Scale(domain=list(LEGEND), range=list(LEGEND.values()))
    legend = alt.Legend(
        title=None,
        orient="bottom",
        columns=2,
        symbolType="square",
        symbolStrokeWidth=0,
        symbolOpacity=1,
        labelLimit=0,
    )
    return alt.Color("legend:N", scale=scale, legend=legend)


@dataclass(frozen=True)
class _Canvas:
    """What every layer of one operation's chart shares, so the layers line up."""

    alt: Any
    y: Any
    x_scale: Any
    x_axis: Any

    def x(self) -> Any:
        """A mark's date (field ``x``) on the time axis every operation shares."""
        return self.alt.X("x:T", scale=self.x_scale, axis=self.x_axis)

    def chart(self, rows: list[dict[str, Any]]) -> Any:
        """A layer over its own records, written into the spec (no data file to ship)."""
        return self.alt.Chart(self.alt.Data(values=rows))


def _canvas(alt: Any, rec: ChartRecords, x_scale: Any) -> _Canvas:
    """The two axes: a row per phase in the order given, and dates along the top."""
    y = alt.Y(
        "row:N",
        sort=rec.order,
        scale=alt.Scale(domain=rec.order),
        axis=alt.Axis(title=None, labelLimit=170, labelFontSize=12, labelPadding=8),
    )
    x_axis = alt.Axis(
        title=None,
        format="%d %b %Y",
        orient="top",
        labelOverlap=True,
        labelFontSize=11,
        grid=True,
        tickCount=8,
    )
    return _Canvas(alt, y, x_scale, x_axis)


def _row_layer(c: _Canvas, rec: ChartRecords) -> Any:
    """Every row present even when empty of marks, so the axis lists them all."""
    return c.chart([{"row": r} for r in rec.order]).mark_point(opacity=0).encode(y=c.y)


def _end_dash(alt: Any) -> Any:
    """A bar's outline tells a reported end (solid) from an open one (dashed), with a legend."""
    return alt.StrokeDash(
        "end:N",
        scale=alt.Scale(domain=[END_REPORTED, END_OPEN], range=[[1, 0], [5, 3]]),
        legend=alt.Legend(
            title=None,
            orient="bottom",
            direction="vertical",
            symbolType="square",
            symbolSize=180,
            symbolFillColor="#eef3f9",
            symbolStrokeColor="#1d3f6e",
            symbolStrokeWidth=1.5,
            labelLimit=0,
        ),
    )


def _bar_layers(c: _Canvas, rec: ChartRecords) -> list[Any]:
    """The phases as bars from start to end, outlined in red when the sources disagree."""
    if not rec.bars:
        return []
    alt = c.alt
    bars = (
        c.chart(rec.bars)
        .mark_bar(height=16, yOffset=-8, cornerRadius=2)
        .encode(
            x=c.x(),
            x2=alt.X2("x2:T"),
            y=c.y,
            color=_color(alt),
            stroke=alt.condition("datum.disputed", alt.value(_RED), alt.value("#1d3f6e")),
            strokeWidth=alt.condition("datum.disputed", alt.value(2.5), alt.value(1.5)),
            strokeDash=_end_dash(alt),
            tooltip=_tooltip(alt),
        )
    )
    return [bars]


def _campaign_layers(c: _Canvas, rec: ChartRecords) -> list[Any]:
    """Reports on the whole campaign (no phase) as a dotted rule, not a phase bar."""
    if not rec.campaign:
        return []
    alt = c.alt
    rule = (
        c.chart(rec.campaign)
        .mark_rule(strokeWidth=2, strokeDash=[2, 3], yOffset=-8)
        .encode(x=c.x(), x2=alt.X2("x2:T"), y=c.y, color=_color(alt), tooltip=_tooltip(alt))
    )
    return [rule]


def _claim_layers(c: _Canvas, rec: ChartRecords) -> list[Any]:
    """Each source's start claim as its own translucent span, so rival claims show side by side."""
    if not rec.claims:
        return []
    alt = c.alt
    claims = (
        c.chart(rec.claims)
        .mark_bar(height=22, yOffset=-8, opacity=0.55, stroke="white", strokeWidth=1.5)
        .encode(
            x=c.x(),
            x2=alt.X2("x2:T"),
            y=c.y,
            color=_color(alt),
            tooltip=_tooltip(alt, ("claim", "start claim")),
        )
    )
    return [claims]


def _report_dots(c: _Canvas, rec: ChartRecords) -> list[Any]:
    """A dot under the row for each report's publication date: what the dates rest on."""
    if not rec.dots:
        return []
    alt = c.alt
    dots = (
        c.chart(rec.dots)
        .mark_point(filled=True, size=36, yOffset=5, opacity=1)
        .encode(x=c.x(), y=c.y, color=_color(alt), tooltip=_tooltip(alt, ("report", "report")))
    )
    return [dots]


def _label_layers(c: _Canvas, rec: ChartRecords, width: int) -> list[Any]:
    """Dates and figures written under each bar; one layer per side the text hangs from."""
    alt = c.alt
    layers = []
    for align in ("left", "right"):
        rows = [r for r in rec.labels if r["align"] == align]
        if rows:
            layers.append(
                c.chart(rows)
                .mark_text(align=align, baseline="middle", yOffset=16, fontSize=11, limit=width)
                .encode(
                    x=c.x(), y=c.y, text="text:N", color=alt.value("#333"), tooltip=_tooltip(alt)
                )
            )
    return layers


def _conflict_badges(c: _Canvas, rec: ChartRecords) -> list[Any]:
    """A red disc with the number of conflicts at a disputed row: seen without hovering."""
    if not rec.badges:
        return []
    alt = c.alt
    disc = (
        c.chart(rec.badges)
        .mark_circle(size=300, xOffset=13, yOffset=-8, opacity=1)
        .encode(x=c.x(), y=c.y, color=_color(alt), tooltip=_tooltip(alt))
    )
    count = (
        c.chart(rec.badges)
        .mark_text(xOffset=13, yOffset=-8, fontWeight="bold", fontSize=11)
        .encode(x=c.x(), y=c.y, text="n:Q", color=alt.value("white"), tooltip=_tooltip(alt))
    )
    return [disc, count]


def _undated_layers(c: _Canvas, rec: ChartRecords) -> list[Any]:
    """Rows nobody dates say so in words at the left, rather than sit at an invented date."""
    if not rec.undated:
        return []
    alt = c.alt
    words = (
        c.chart(rec.undated)
        .mark_text(align="left", baseline="middle", fontStyle="italic", fontSize=11)
        .encode(
            x=alt.value(4),
            y=c.y,
            text="text:N",
            color=alt.condition("datum.disputed", alt.value(_RED), alt.value("#8a4b00")),
            tooltip=_tooltip(alt),
        )
    )
    return [words]


def _operation_chart(alt: Any, rec: ChartRecords, x_scale: Any, width: int) -> altair.LayerChart:
    """One operation: its rows as a layered chart sharing one time axis."""
    c = _canvas(alt, rec, x_scale)
    layers: list[Any] = [  # in drawing order: later layers are drawn over earlier ones
        _row_layer(c, rec),
        *_bar_layers(c, rec),
        *_campaign_layers(c, rec),
        *_claim_layers(c, rec),
        *_report_dots(c, rec),
        *_label_layers(c, rec, width),
        *_conflict_badges(c, rec),
        *_undated_layers(c, rec),
    ]
    title = alt.TitleParams(
        rec.title, subtitle=rec.subtitle, anchor="start", fontSize=14, subtitleColor="#555"
    )
    dated = rec.bars or rec.campaign or rec.claims
    layered: altair.LayerChart = alt.layer(*layers).properties(
        title=title, width=width, height=alt.Step(_STEP if dated else _STEP_UNDATED)
    )
    return layered


def _chart(t: Timeline, width: int) -> altair.VConcatChart:
    alt = _altair()
    records = chart_records(t, width)
    if t.domain is None:  # nothing dated: the rows listed, no axis over an invented month
        x_scale = alt.Scale(type="utc")
    else:
        x_scale = alt.Scale(type="utc", domain=[epoch_ms(d) for d in t.domain], nice=False)
    charts = [_operation_chart(alt, rec, x_scale, width) for rec in records]
    heading = list(t.message) or None
    out = alt.vconcat(*charts, spacing=28).resolve_scale(
        x="shared", color="shared", strokeDash="shared"
    )
    if heading:
        out = out.properties(
            title=alt.TitleParams(heading, anchor="start", color="#8a4b00", fontSize=13, offset=14)
        )
    config = {"font": _FONT, "view": {"stroke": None}, "axis": {"labelColor": "#444"}}
    chart: altair.VConcatChart = out.configure(**config).configure_axisY(domain=False, ticks=False)
    return chart


def to_chart(x: Timelines, *, width: int = PLOT_WIDTH) -> altair.VConcatChart:
    """The interactive timeline (an Altair chart; a notebook shows it, ``.save`` writes
    it): per operation a row per phase with a bar from its start to its end, its dates
    and figures written by it, conflicts in red with a count badge, report dates as dots,
    hover tooltips and a legend; rows with no date say so instead of taking a place on
    the axis, and a consolidation with no dates at all is listed without an axis."""
    return _chart(timeline_data(x), width)


def _spec(x: Timelines) -> tuple[Any, dict[str, Any], str | None]:
    vlc = _vl_convert()
    alt = _altair()
    spec: dict[str, Any] = to_chart(x).to_dict()
    version = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return vlc, spec, version if version in vlc.get_vegalite_versions() else None


def to_svg(x: Timelines) -> str:
    """The timeline as an SVG document (rendered by ``vl-convert``, no browser)."""
    vlc, spec, version = _spec(x)
    svg: str = vlc.vegalite_to_svg(spec, vl_version=version, allowed_base_urls=[])
    return svg


def to_png(x: Timelines, *, scale: float = 2.0) -> bytes:
    """The timeline as a PNG (``scale`` 2: sharp on a high-density screen or a page)."""
    vlc, spec, version = _spec(x)
    png: bytes = vlc.vegalite_to_png(spec, vl_version=version, scale=scale, allowed_base_urls=[])
    return png


def image_format(path: Path, fmt: str | None = None) -> ImageFormat:
    """SVG or PNG: as asked, else from the file's suffix."""
    chosen = (fmt or path.suffix.lstrip(".")).lower()
    if chosen == "svg":
        return "svg"
    if chosen == "png":
        return "png"
    raise ConfigError(
        f"the timeline is written as .svg or .png; {path.name!r} says neither"
        if fmt is None
        else f"unknown timeline format {fmt!r}; use svg or png"
    )


def write_image(x: Timelines, path: Path, fmt: str | None = None) -> ImageFormat:
    """Write the timeline picture to ``path`` as SVG or PNG (by ``fmt`` or the suffix)."""
    kind = image_format(path, fmt)
    if kind == "svg":
        path.write_text(to_svg(x), encoding="utf-8")
    else:
        path.write_bytes(to_png(x))
    return kind
