"""The nightly indicators as CloudWatch embedded metric format (DESIGN.md §5: namespace `Lapor`, dimension
`Agency`).

One JSON line per agency and one for the city (`Agency` = `city`), each a complete EMF document with one
metric directive: the document Powertools' `AmazonCloudWatchEMFProvider` serializes for the same metrics,
dimension and metadata (without its `service` dimension), except that each value is a plain number rather
than a one-element array (both are valid EMF; a number is simpler to query in Logs Insights).

    {"_aws": {"Timestamp": 1794934800000, "CloudWatchMetrics": [{"Namespace": "Lapor",
      "Dimensions": [["Agency"]], "Metrics": [{"Name": "Received", "Unit": "Count"}, ...]}]},
     "Agency": "dinas-putr", "date": "2026-11-17", "Received": 1, ..., "BacklogOldestHK": 1.0, ...}

The `Timestamp` is 24:00 WIB of the day (the next day's 00:00 WIB), so that the figure is plotted on its
day. CloudWatch extracts metrics only from events whose timestamp is at most 14 days old (and at most 2 hours
ahead): the nightly run is well within that, a recompute of an older day is written to the log but yields
no metric. The lines hold figures only: agency ids, the date and numbers, no report and no person.

A day without activity still has a city line, with zeros, as the snapshot has: a mean over no samples is 0
there and here, so dashboards that average a time should weight it by its `...N` sample count.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Mapping
from typing import Any, Final

from aws_lambda_powertools.metrics import MetricUnit

from lapor.domain.calendar import end_of_day

NAMESPACE: Final = "Lapor"
DIMENSION: Final = "Agency"
CITY: Final = "city"
DATE_PROPERTY: Final = "date"

# The specification's limits ("Specification: Embedded metric format", Amazon CloudWatch User Guide).
MAX_METRICS_PER_DIRECTIVE: Final = 100
MAX_DIMENSIONS_PER_SET: Final = 30
MAX_DIMENSION_VALUE_LENGTH: Final = 1024

COUNT: Final = MetricUnit.Count.value
NONE: Final = MetricUnit.NoUnit.value  # ratios (0..1), working or calendar days, scores

# (metric name, unit, path in a snapshot's figures)
METRICS: Final[tuple[tuple[str, str, tuple[str, ...]], ...]] = (
    ("Received", COUNT, ("received",)),
    ("Verified", COUNT, ("verified",)),
    ("Dispositions", COUNT, ("dispositions",)),
    ("FollowedUpRate", NONE, ("followed_up_rate",)),
    ("CompletionRate", NONE, ("completion_rate",)),
    ("VerificationTimeN", COUNT, ("verification_time", "n")),
    ("VerificationTimeMeanHK", NONE, ("verification_time", "mean_hk")),
    ("ResponseTimeN", COUNT, ("response_time", "n")),
    ("ResponseTimeMeanHK", NONE, ("response_time", "mean_hk")),
    ("ResponseTimeMedianHK", NONE, ("response_time", "median_hk")),
    ("ResponseTimeP90HK", NONE, ("response_time", "p90_hk")),
    ("ResponseTimeMeanDays", NONE, ("response_time", "mean_days")),
    ("ResolutionTimeN", COUNT, ("resolution_time", "n")),
    ("ResolutionTimeMeanHK", NONE, ("resolution_time", "mean_hk")),
    ("ResolutionTimeP90HK", NONE, ("resolution_time", "p90_hk")),
    ("OnTimeRateVerify", NONE, ("on_time_rate", "verify")),
    ("OnTimeRateRespond", NONE, ("on_time_rate", "respond")),
    ("OnTimeRateResolve", NONE, ("on_time_rate", "resolve")),
    ("Breaches", COUNT, ("breaches",)),
    ("BacklogOverdue", COUNT, ("backlog", "overdue")),
    ("BacklogOldestHK", NONE, ("backlog", "oldest_hk")),
    ("SatisfactionN", COUNT, ("satisfaction", "n")),
    ("SatisfactionMean", NONE, ("satisfaction", "mean")),
    ("TopTwoBox", NONE, ("satisfaction", "top_two_box")),
    ("ReopenRate", NONE, ("reopen_rate",)),
)


def _response_time_sum(figures: Mapping[str, Any]) -> float:
    """The day's response times added up, in working days: the mean times the sample count (the mean is
    rounded to 4 decimals, so this is within n * 0.00005 of the exact sum). Summed over days and divided by
    the summed `ResponseTimeN`, it gives a range's mean: the response-time target alarm's 7-day mean."""
    n = _number(figures, ("response_time", "n"))
    mean = _number(figures, ("response_time", "mean_hk"))
    return round(n * mean, 4) + 0.0


# (metric name, unit, figures -> value): what the snapshot holds only as a product of its figures
DERIVED: Final[tuple[tuple[str, str, Callable[[Mapping[str, Any]], int | float]], ...]] = (
    ("ResponseTimeSumHK", NONE, _response_time_sum),
)
METRIC_NAMES: Final = tuple(name for name, _unit, _path in METRICS) + tuple(name for name, _u, _f in DERIVED)


def emit_snapshot(snapshot: Mapping[str, Any], date: str, write: Callable[[str], None] = print) -> int:
    """Write one EMF line for the city and one per agency (in id order) of a snapshot
    (`{"city": figures, "agencies": {id: figures}, ...}`; other members are ignored) for the WIB day
    `date` (`YYYY-MM-DD`); returns the number of lines written."""
    timestamp = _timestamp(date)
    agencies: Mapping[str, Any] = snapshot["agencies"]
    if CITY in agencies:
        raise ValueError(f"an agency id may not be {CITY!r}: it names the city-wide line")
    # Every line is built before the first is written: a snapshot that cannot be sent is not half sent.
    lines = [
        _line(agency, figures, date, timestamp)
        for agency, figures in [(CITY, snapshot["city"]), *sorted(agencies.items())]
    ]
    for line in lines:
        write(line)
    return len(lines)


def document(agency: str, figures: Mapping[str, Any], date: str, timestamp: int) -> dict[str, Any]:
    """The EMF document of one agency's (or the city's) figures."""
    if not isinstance(agency, str) or not agency.strip() or len(agency) > MAX_DIMENSION_VALUE_LENGTH:
        raise ValueError(f"not a usable {DIMENSION} dimension value: {agency!r}")
    values = {name: _number(figures, path) for name, _unit, path in METRICS}
    values.update({name: derive(figures) for name, _unit, derive in DERIVED})
    definitions = [(name, unit) for name, unit, _path in METRICS]
    definitions += [(name, unit) for name, unit, _derive in DERIVED]
    return {
        "_aws": {
            "Timestamp": timestamp,
            "CloudWatchMetrics": [
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": [[DIMENSION]],
                    "Metrics": [{"Name": name, "Unit": unit} for name, unit in definitions],
                }
            ],
        },
        DIMENSION: agency,
        DATE_PROPERTY: date,
        **values,
    }


def _line(agency: str, figures: Mapping[str, Any], date: str, timestamp: int) -> str:
    return json.dumps(document(agency, figures, date, timestamp), separators=(",", ":"), allow_nan=False)


def _timestamp(date: str) -> int:
    """24:00 WIB of the day, in milliseconds since the epoch."""
    day = dt.date.fromisoformat(date)
    if day.isoformat() != date:
        raise ValueError(f"not a YYYY-MM-DD date: {date!r}")
    return (end_of_day(day) - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(milliseconds=1)


def _number(figures: Mapping[str, Any], path: tuple[str, ...]) -> int | float:
    value: Any = figures
    for key in path:
        value = value[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{'.'.join(path)} is not a finite number: {value!r}")
    return value
