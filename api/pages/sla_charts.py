"""Bar charts of SLA attainment over months, laid out here and drawn as inline SVG by
the template (sla_chart.html): no script, no library. Months run along the x axis; each
month holds one bar per series (plan, tier or target kind) that has a decided target in
it, its height the attainment in percent."""

from dataclasses import dataclass

from models.audit.trends import Series

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 36
PLOT_WIDTH, PLOT_HEIGHT = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
# The share of a month's slot its bars fill; the rest separates months.
FILL = 0.8
# Colours come from portal.css (.series-0 ... .series-7), repeated past eight series.
COLOURS = 8


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: int
    # What the bar says, as its tooltip and accessible name.
    label: str


@dataclass(frozen=True)
class Tick:
    """A line across the plot (percent) or a month under the x axis."""

    position: float
    text: str


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    series: list[Series]
    months: list[str]
    bars: list[Bar]
    gridlines: list[Tick]
    month_ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    bottom: float = TOP + PLOT_HEIGHT
    right: int = WIDTH - RIGHT


def _y(percent: float) -> float:
    return round(TOP + PLOT_HEIGHT * (1 - percent / 100), 1)


def bar_chart(chart_id: str, title: str, series: list[Series], months: list[str]) -> Chart:
    slot = PLOT_WIDTH / max(len(months), 1)
    bar_width = slot * FILL / max(len(series), 1)
    bars = []
    for index, one in enumerate(series):
        for position, point in enumerate(one.points):
            if point.attainment is None:
                continue
            x = LEFT + slot * position + slot * (1 - FILL) / 2 + bar_width * index
            # A 0 % bar stays visible as a line on the axis.
            top = min(_y(point.attainment), TOP + PLOT_HEIGHT - 1)
            bars.append(
                Bar(
                    x=round(x, 1),
                    y=top,
                    width=round(bar_width, 1),
                    height=round(TOP + PLOT_HEIGHT - top, 1),
                    colour=index % COLOURS,
                    label=(
                        f"{one.label}, {point.month}: {point.attainment:.1f} % "
                        f"({point.met} met, {point.breached} breached)"
                    ),
                )
            )
    return Chart(
        id=chart_id,
        title=title,
        series=series,
        months=months,
        bars=bars,
        gridlines=[Tick(_y(percent), f"{percent} %") for percent in (0, 25, 50, 75, 100)],
        month_ticks=[
            Tick(round(LEFT + slot * (position + 0.5), 1), month)
            for position, month in enumerate(months)
        ],
    )
