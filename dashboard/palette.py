"""The one place that says which colour means what (METRICS.md "Colours"): every chart takes its colours from
here, so a colour means the same thing wherever a user meets it.

The convention is the one Chinese planners already read in MyCOS's 绿牌 / 黄牌 / 红牌 majors: green is good
news for a major's graduates (a shortage, a green card: expand), red is too many graduates (a surplus, a red
card: shrink), amber is the yellow card (watch), grey is neither.

- `unserved` (demand, no graduates anywhere in the province) is the strongest case of a shortage: a deeper
  green than `shortage`.
- `no_demand` (graduates, no surveyed demand) reads as a surplus, but it often means that the employers did not
  answer the survey (hospitals rarely do) rather than that nobody hires: a pale red, weaker than a measured
  `surplus`, so it is not read as "shrink" at a glance.
- `imports` (a city with demand but no local graduates, served from elsewhere in its province) is no verdict on
  the major at all: blue, the one hue no verdict uses, and one that red-green colour-blind readers still see.
- `insufficient_data` is light grey, fainter than `balanced`: no judgement was made. (Vega-Lite has no fill
  patterns, so it is not hatched.)

Colour-blind readers: the shortage green and the surplus red differ in lightness as well as hue (CIELAB L*
about 44 against 54, and 27 for unserved against 75 for no_demand), so they stay apart under deuteranopia;
and every chart has a legend and tooltips naming the status, so colour is never the only cue.
"""

from __future__ import annotations

#: statuses in the order legends list them: from "expand" through "no verdict" to "shrink"
STATUSES = ("unserved", "shortage", "balanced", "surplus", "no_demand", "imports", "insufficient_data")
STATUS_COLOURS = {
    "unserved": "#0b4d26",
    "shortage": "#1b7837",
    "balanced": "#9e9e9e",
    "surplus": "#e0533d",
    "no_demand": "#f4a582",
    "imports": "#4c8fd6",
    "insufficient_data": "#dcdcdc",
}
#: the statuses every status legend lists, whatever the chart shows: the three verdicts of METRICS.md "Gap"
CORE_STATUSES = ("shortage", "balanced", "surplus")

#: 专业预警 cards (绿牌 / 黄牌 / 红牌): the same green and red as shortage and surplus
CARDS = ("green", "yellow", "red")
CARD_COLOURS = {"green": STATUS_COLOURS["shortage"], "yellow": "#f2a900", "red": STATUS_COLOURS["surplus"]}

#: supply and demand drawn side by side or as lines: hues no status uses (purple, brown), so a reader does not
#: take a supply bar for a shortage
SERIES = ("supply", "demand")
SERIES_COLOURS = {"supply": "#6a51a3", "demand": "#8c510a"}
#: one measure per category with no status (coverage, utilisation): a slate blue no status uses
MEASURE_COLOUR = "#3f6e8c"
#: places on a map where the chosen major has neither supply nor demand
BACKGROUND_COLOUR = "#bbbbbb"


def status_colour(status: str) -> str:
    return STATUS_COLOURS[status]


def card_colour(card: str) -> str:
    return CARD_COLOURS[card]
