"""The nightly indicators as CloudWatch embedded metric format (DESIGN.md §5): every line is checked against
the JSON schema the specification publishes (tests/unit/emf_schema.json) and against the rules that schema
cannot express, and is the document Powertools would produce for the same metrics.

The day is Tuesday 17 November 2026 (WIB, a working day):

    R1 —→putr  submit 08:00 · verify to dinas-putr 10:00 (first verification, 2 h after the submission)
    R2 lh      follow-up 09:00, answering the disposition of Friday 13 November 09:00
    R3 lh      rate 5 at 11:00
    backlog    one respond clock of dinas-putr overdue since 24:00 WIB on Monday 16 November
"""

from __future__ import annotations

import json
import numbers
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider
from jsonschema import Draft7Validator

from lapor.adapters.cloudwatch_emf import (
    DERIVED,
    DIMENSION,
    MAX_DIMENSION_VALUE_LENGTH,
    MAX_DIMENSIONS_PER_SET,
    MAX_METRICS_PER_DIRECTIVE,
    METRIC_NAMES,
    METRICS,
    NAMESPACE,
    document,
    emit_snapshot,
)
from lapor.domain.calendar import WIB, WorkingCalendar
from lapor.domain.indicators import (
    Indicators,
    MetricEvent,
    MetricStoppedClock,
    OverdueClock,
    compute,
    day_window,
)
from lapor.domain.lifecycle import Action, ClockKind, Role

SCHEMA = json.loads((Path(__file__).parent / "emf_schema.json").read_text(encoding="utf-8"))
VALIDATOR = Draft7Validator(SCHEMA)
DAY = date(2026, 11, 17)
DATE = DAY.isoformat()
END_OF_DAY_MS = 1_794_934_800_000  # 2026-11-18T00:00:00+07:00 = 2026-11-17T17:00:00Z
PUTR, LH = "dinas-putr", "dinas-lh"
CALENDAR = WorkingCalendar()
MAX_ARRAY_VALUES = 100
MAX_EVENT_BYTES = 256 * 1024  # the older, smaller CloudWatch Logs event limit (now 1 MB)


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=WIB)


def event(report_id: str, seq: int, when: datetime, action: Action, role: Role, **fields: Any) -> MetricEvent:
    return MetricEvent(
        report_id=report_id, seq=seq, at=when, action=action, actor_role=role, type="complaint", **fields
    )


def stopped(
    kind: ClockKind, started_at: datetime, deadline: datetime, stopped_at: datetime
) -> MetricStoppedClock:
    return MetricStoppedClock(
        kind=kind,
        started_at=started_at,
        deadline=deadline,
        stopped_at=stopped_at,
        on_time=stopped_at <= deadline,
    )


def day_events() -> list[MetricEvent]:
    return [
        event("R1", 1, at(17, 8), Action.SUBMIT, Role.REPORTER),
        event(
            "R1",
            2,
            at(17, 10),
            Action.VERIFY,
            Role.COORDINATOR,
            agency_id=PUTR,
            first_verification=True,
            stopped_clocks=(stopped(ClockKind.VERIFY, at(17, 8), at(20), at(17, 10)),),
        ),
        event(
            "R2",
            5,
            at(17, 9),
            Action.FOLLOWUP,
            Role.OPERATOR,
            agency_id=LH,
            previous_agency_id=LH,
            stopped_clocks=(stopped(ClockKind.RESPOND, at(13, 9), at(21), at(17, 9)),),
        ),
        event("R3", 9, at(17, 11), Action.RATE, Role.REPORTER, agency_id=LH, rating=5, resolved=True),
    ]


def snapshot_of(events: list[MetricEvent], backlog: list[OverdueClock]) -> Indicators:
    start, end = day_window(DAY)
    return compute(
        events, start=start, end=end, time=at(18, 0), calendar=CALENDAR, backlog=backlog, backlog_at=end
    )


def busy_day() -> Indicators:
    overdue = OverdueClock(agency_id=PUTR, kind=ClockKind.RESPOND, deadline=at(17), started_at=at(9, 10))
    return snapshot_of(day_events(), [overdue])


def quiet_day() -> Indicators:
    return snapshot_of([], [])


def discard(line: str) -> None:
    raise AssertionError("nothing is written")


def emitted(snapshot: Any) -> tuple[int, list[str]]:
    lines: list[str] = []
    count = emit_snapshot(snapshot, DATE, lines.append)
    return count, lines


def strict_json(line: str) -> dict[str, Any]:
    """Parse as RFC 8259 JSON: NaN and Infinity are not JSON."""

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} is not JSON")

    parsed = json.loads(line, parse_constant=refuse)
    assert isinstance(parsed, dict), "an EMF document is a JSON object"
    return parsed


def is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def spec_violations(doc: dict[str, Any]) -> list[str]:
    """The specification's rules the published schema does not express."""
    problems: list[str] = []
    for directive in doc["_aws"]["CloudWatchMetrics"]:
        if len(directive["Metrics"]) > MAX_METRICS_PER_DIRECTIVE:
            problems.append(f"{len(directive['Metrics'])} MetricDefinitions in one directive")
        problems += dimension_violations(doc, directive["Dimensions"])
        problems += metric_violations(doc, [definition["Name"] for definition in directive["Metrics"]])
    return problems


def dimension_violations(doc: dict[str, Any], dimension_sets: list[list[str]]) -> list[str]:
    """Each set has at most 30 keys, each a member at the root whose value is a string (≤ 1024 chars)."""
    problems: list[str] = []
    for dimension_set in dimension_sets:
        if len(dimension_set) > MAX_DIMENSIONS_PER_SET:
            problems.append(f"{len(dimension_set)} dimensions in one set")
        for name in dimension_set:
            if name not in doc:
                problems.append(f"dimension {name} has no member at the root")
            elif not isinstance(doc[name], str) or len(doc[name]) > MAX_DIMENSION_VALUE_LENGTH:
                problems.append(f"dimension {name} is not a string of at most 1024 characters")
    return problems


def metric_violations(doc: dict[str, Any], names: list[str]) -> list[str]:
    """Each metric once, a member at the root whose value is a number or an array of at most 100 numbers."""
    problems: list[str] = []
    if len(set(names)) != len(names):
        problems.append("a metric is defined twice")
    for name in names:
        value = doc.get(name)
        if name not in doc:
            problems.append(f"metric {name} has no member at the root")
        elif isinstance(value, list):
            if len(value) > MAX_ARRAY_VALUES or not all(is_number(v) for v in value):
                problems.append(f"metric {name} is not an array of at most 100 numbers")
        elif not is_number(value):
            problems.append(f"metric {name} is not a number")
    return problems


def check_line(line: str) -> dict[str, Any]:
    assert "\n" not in line, "one log event per line"
    assert len(line.encode()) < MAX_EVENT_BYTES
    doc = strict_json(line)
    errors = [error.message for error in VALIDATOR.iter_errors(doc)]
    assert errors == [], errors
    assert spec_violations(doc) == []
    return doc


def test_the_schema_is_the_published_one_and_is_itself_valid() -> None:
    Draft7Validator.check_schema(SCHEMA)
    assert "CloudWatch_Embedded_Metric_Format_Specification" in SCHEMA["$comment"]
    dimension_set = SCHEMA["properties"]["_aws"]["properties"]["CloudWatchMetrics"]["items"]["properties"][
        "Dimensions"
    ]["items"]
    assert dimension_set["maxItems"] == MAX_DIMENSIONS_PER_SET


def test_a_day_gives_one_line_for_the_city_and_one_per_agency_each_a_valid_emf_document() -> None:
    snapshot = busy_day()
    assert sorted(snapshot["agencies"]) == [LH, PUTR]

    count, lines = emitted(snapshot)

    assert count == len(lines) == 3
    docs = [check_line(line) for line in lines]
    assert [doc[DIMENSION] for doc in docs] == ["city", LH, PUTR]
    for doc in docs:
        assert doc["_aws"]["Timestamp"] == END_OF_DAY_MS
        assert doc["date"] == DATE
        (directive,) = doc["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == NAMESPACE == "Lapor"
        assert directive["Dimensions"] == [["Agency"]]
        assert [m["Name"] for m in directive["Metrics"]] == [*METRIC_NAMES]
        assert (*(name for name, _unit, _path in METRICS), "ResponseTimeSumHK") == METRIC_NAMES
        # Figures only: the directive, the dimension, the date and the metrics, nothing else.
        assert set(doc) == {"_aws", DIMENSION, "date", *METRIC_NAMES}


def test_the_values_are_the_snapshot_figures() -> None:
    snapshot = busy_day()
    city, lh, putr = (strict_json(line) for line in emitted(snapshot)[1])

    assert (city["Received"], city["Verified"], city["Dispositions"]) == (1, 1, 1)
    assert (putr["Received"], putr["Dispositions"], putr["BacklogOverdue"]) == (1, 1, 1)
    assert putr["BacklogOldestHK"] == snapshot["agencies"][PUTR]["backlog"]["oldest_hk"] == 1.0
    assert city["VerificationTimeN"] == 1
    assert city["VerificationTimeMeanHK"] == pytest.approx(2 / 24, abs=1e-4)
    assert (lh["ResponseTimeN"], lh["ResponseTimeMeanDays"]) == (1, 4.0)
    assert lh["ResponseTimeMeanHK"] == snapshot["agencies"][LH]["response_time"]["mean_hk"] == 2.0
    # The day's response times summed (mean times n): a 7-day mean is the sums' sum over the counts' sum.
    assert (lh["ResponseTimeSumHK"], putr["ResponseTimeSumHK"], city["ResponseTimeSumHK"]) == (2.0, 0.0, 2.0)
    assert (lh["SatisfactionN"], lh["SatisfactionMean"], lh["TopTwoBox"]) == (1, 5.0, 1.0)
    assert putr["OnTimeRateVerify"] == 1.0
    for doc, figures in ((city, snapshot["city"]), (lh, snapshot["agencies"][LH])):
        for name, _unit, path in METRICS:
            value: Any = figures
            for key in path:
                value = value[key]
            assert doc[name] == value, name


def test_a_day_without_activity_gives_one_city_line_of_zeros() -> None:
    snapshot = quiet_day()

    count, lines = emitted(snapshot)

    assert count == 1
    doc = check_line(lines[0])
    assert doc[DIMENSION] == "city"
    assert all(doc[name] == 0 for name in METRIC_NAMES)
    assert "NaN" not in lines[0]


def test_units_are_count_for_counts_and_none_for_ratios_durations_and_scores() -> None:
    units = {name: unit for name, unit, _path in METRICS} | {name: unit for name, unit, _f in DERIVED}
    assert {name for name, unit in units.items() if unit == "Count"} == {
        "Received",
        "Verified",
        "Dispositions",
        "Breaches",
        "BacklogOverdue",
        "VerificationTimeN",
        "ResponseTimeN",
        "ResolutionTimeN",
        "SatisfactionN",
    }
    assert set(units.values()) == {"Count", "None"}


def test_the_stored_document_with_its_date_and_ranking_emits_the_same_lines() -> None:
    snapshot = busy_day()
    stored = json.loads(json.dumps({"date": DATE, **snapshot}))  # as the snapshot store gives it back

    assert emitted(stored)[1] == emitted(snapshot)[1]


def test_each_line_is_the_document_powertools_serializes_for_the_same_metrics() -> None:
    for line in emitted(busy_day())[1]:
        ours = strict_json(line)
        provider = AmazonCloudWatchEMFProvider(namespace=NAMESPACE, service="")  # no `service` dimension
        provider.add_dimension(DIMENSION, ours[DIMENSION])
        for definition in ours["_aws"]["CloudWatchMetrics"][0]["Metrics"]:
            provider.add_metric(definition["Name"], definition["Unit"], ours[definition["Name"]])
        provider.add_metadata("date", ours["date"])
        provider.timestamp = ours["_aws"]["Timestamp"]  # set_timestamp warns when the day is > 14 days old

        theirs: dict[str, Any] = json.loads(json.dumps(provider.serialize_metric_set()))

        assert theirs["_aws"] == ours["_aws"]
        # Powertools writes each value as a one-element array; both forms are valid EMF.
        assert {k: v[0] if isinstance(v, list) else v for k, v in theirs.items() if k != "_aws"} == {
            k: float(v) if is_number(v) else v for k, v in ours.items() if k != "_aws"
        }


def test_the_checks_catch_what_the_schema_lets_through() -> None:
    doc = document("city", quiet_day()["city"], DATE, END_OF_DAY_MS)
    assert list(VALIDATOR.iter_errors(doc)) == []
    del doc["Received"]
    doc["Verified"] = "1"
    doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"] = [[DIMENSION, "Missing"]]
    doc["_aws"]["CloudWatchMetrics"][0]["Metrics"] *= 5

    assert list(VALIDATOR.iter_errors(doc)) == []  # the schema alone accepts all of that
    assert set(spec_violations(doc)) == {
        f"{5 * len(METRIC_NAMES)} MetricDefinitions in one directive",
        "dimension Missing has no member at the root",
        "a metric is defined twice",
        "metric Received has no member at the root",
        "metric Verified is not a number",
    }


def test_the_schema_rejects_a_document_without_timestamp_or_with_an_unknown_unit() -> None:
    doc = document("city", quiet_day()["city"], DATE, END_OF_DAY_MS)
    del doc["_aws"]["Timestamp"]
    doc["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"] = "HariKerja"

    assert len(list(VALIDATOR.iter_errors(doc))) == 2


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), True, "3", None])
def test_a_figure_that_is_not_a_finite_number_is_refused(bad: Any) -> None:
    snapshot: Any = json.loads(json.dumps(quiet_day()))
    snapshot["city"]["response_time"]["mean_hk"] = bad
    written: list[str] = []

    with pytest.raises(ValueError, match=r"response_time\.mean_hk"):
        emit_snapshot(snapshot, DATE, written.append)
    assert written == []


@pytest.mark.parametrize("bad_date", ["2026-11-7", "20261117", "17-11-2026"])
def test_the_date_is_a_wib_calendar_date(bad_date: str) -> None:
    with pytest.raises(ValueError, match=r"YYYY-MM-DD|isoformat|Invalid"):
        emit_snapshot(quiet_day(), bad_date, discard)


def test_an_agency_may_not_be_named_like_the_city_line() -> None:
    snapshot: Any = busy_day()
    snapshot["agencies"]["city"] = snapshot["agencies"][PUTR]

    with pytest.raises(ValueError, match="city"):
        emit_snapshot(snapshot, DATE, discard)


def test_lines_go_to_standard_output_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert emit_snapshot(quiet_day(), DATE) == 1

    (line,) = capsys.readouterr().out.splitlines()
    check_line(line)
