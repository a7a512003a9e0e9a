"""The template's non-HTTP triggers the stack runs: table streams (`Type: DynamoDB`), EventBridge rules
(`Type: EventBridgeRule`) and SNS subscriptions (`Type: SNS`).

Retries happen at once, not with AWS's back-off, and are bounded locally: a stream event without
`MaximumRetryAttempts` (or -1, "until the record expires") gets `DEFAULT_STREAM_RETRIES`; a rule without a
`RetryPolicy` gets `DEFAULT_EVENT_RETRIES` (what Lambda's asynchronous invocation does by default); an SNS
subscription, SNS invoking the function asynchronously, its `EventInvokeConfig`'s `MaximumRetryAttempts`
(else the same default); no trigger gets more than `MAX_LOCAL_RETRIES`. A rule's Pattern may name template
resources (`!Ref EmailConfigurationSet`): they are resolved as the functions' environment is. Patterns (a
rule's, and a stream's FilterCriteria, which are written the same way) are read and matched by moto's
EventBridge; an SNS subscription's FilterPolicy by moto's SNS.

Invoke a function for a trigger (a stream batch, an event): failures are reported, not raised.

A function whose handler file is not written yet is skipped (said once), as the banner says its routes
answer 502: the stack keeps serving while the functions are being written.
"""

from __future__ import annotations

import json
import sys
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.events.exceptions import InvalidEventPatternException
from moto.events.models import EventPattern
from moto.sns.utils import FilterPolicyMatcher

from local.lambdas.runtime import FunctionRegistry
from local.memory_logs import dead_letters
from local.template import FunctionEvent, Template

DEFAULT_BATCH_SIZE = 100
DEFAULT_STREAM_RETRIES = 3
DEFAULT_EVENT_RETRIES = 2
MAX_LOCAL_RETRIES = 10
REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"
DEFAULT_BUS = "default"
MATCHERS = frozenset(
    {"prefix", "suffix", "equals-ignore-case", "exists", "anything-but", "numeric", "cidr", "wildcard"}
)


def parse_pattern(value: Any) -> dict[str, Any]:
    """A pattern from the template (a JSON string in FilterCriteria, an object in an EventBridgeRule), as
    EventBridge reads it; ValueError for one it refuses, or whose matcher it does not know."""
    try:
        pattern = json.loads(value) if isinstance(value, str) else value
    except ValueError as error:
        raise ValueError(f"its pattern is not JSON: {error}") from error
    if not isinstance(pattern, dict):
        raise ValueError("its pattern is not a JSON object")
    try:
        EventPattern.load(json.dumps(pattern))
    except InvalidEventPatternException as error:
        raise ValueError(f"its pattern is refused: {error.message}") from error
    _check_matchers(pattern)
    return pattern


def _check_matchers(pattern: dict[str, Any]) -> None:
    """Moto takes an unknown matcher (a typo) for a match; EventBridge refuses the pattern."""
    for key, value in pattern.items():
        if key == "$or" and isinstance(value, list):
            for alternative in value:
                _check_matchers(alternative if isinstance(alternative, dict) else {})
        elif isinstance(value, dict):
            _check_matchers(value)
        elif isinstance(value, list):
            for matcher in value:
                if isinstance(matcher, dict) and (len(matcher) != 1 or next(iter(matcher)) not in MATCHERS):
                    raise ValueError(f"its pattern has an unknown matcher: {json.dumps(matcher)}")


def matches(pattern: dict[str, Any], event: Any) -> bool:
    return EventPattern(None, pattern).matches_event(event)


def bus_name(name_or_arn: Any) -> str:
    """The bus of an entry's `EventBusName`: a name, an ARN (`...:event-bus/<name>`) or absent (default)."""
    if not isinstance(name_or_arn, str) or not name_or_arn:
        return DEFAULT_BUS
    return name_or_arn.rsplit("event-bus/", 1)[-1]


@dataclass(frozen=True)
class StreamTrigger:
    function_id: str
    event_name: str
    table_name: str
    batch_size: int
    filters: tuple[dict[str, Any], ...]
    maximum_retry_attempts: int
    reports_batch_item_failures: bool

    def accepts(self, record: dict[str, Any]) -> bool:
        """FilterCriteria: a record passes when any filter matches it (every record without filters)."""
        return not self.filters or any(matches(pattern, record) for pattern in self.filters)


@dataclass(frozen=True)
class EventRuleTrigger:
    function_id: str
    event_name: str
    bus_name: str
    pattern: dict[str, Any]
    maximum_retry_attempts: int

    def accepts(self, event: dict[str, Any]) -> bool:
        return matches(self.pattern, event)


@dataclass(frozen=True)
class TopicTrigger:
    function_id: str
    event_name: str
    topic_arn: str
    filter_policy: dict[str, Any] | None
    filter_policy_scope: str | None
    maximum_retry_attempts: int

    def accepts(self, attributes: dict[str, Any], message: str) -> bool:
        """The subscription's FilterPolicy (on the message attributes, or on the body), as SNS applies it."""
        if not self.filter_policy:
            return True
        return bool(
            FilterPolicyMatcher(self.filter_policy, self.filter_policy_scope).matches(attributes, message)
        )


@dataclass(frozen=True)
class Triggers:
    streams: list[StreamTrigger]
    rules: list[EventRuleTrigger]
    problems: list[str]  # triggers the stack cannot run, said at start-up
    topics: list[TopicTrigger] = field(default_factory=list)

    @property
    def stream_tables(self) -> set[str]:
        return {trigger.table_name for trigger in self.streams}

    @property
    def subscribed_topics(self) -> frozenset[str]:
        """The topics a function is subscribed to: what is published to them goes to it, not the outbox."""
        return frozenset(trigger.topic_arn for trigger in self.topics)


def read_triggers(template: Template) -> Triggers:
    streams: list[StreamTrigger] = []
    rules: list[EventRuleTrigger] = []
    problems: list[str] = []
    for event in template.function_events("DynamoDB"):
        try:
            trigger = _stream_trigger(template, event)
        except ValueError as error:
            problems.append(f"{event.function_id}.{event.event_name} is not run: {error}")
            continue
        if trigger is not None:
            streams.append(trigger)
    for event in template.function_events("EventBridgeRule"):
        try:
            rule = _rule_trigger(template, event)
        except ValueError as error:
            problems.append(f"{event.function_id}.{event.event_name} is not run: {error}")
            continue
        if rule is not None:
            rules.append(rule)
    topics: list[TopicTrigger] = []
    for event in template.function_events("SNS"):
        try:
            topics.append(_topic_trigger(template, event))
        except ValueError as error:
            problems.append(f"{event.function_id}.{event.event_name} is not run: {error}")
    return Triggers(streams, rules, problems, topics)


def _integer(template: Template, value: Any, default: int) -> int:
    resolved = template.resolve_scalar(value) if value is not None else None
    return int(resolved) if resolved is not None else default


def _enabled(template: Template, properties: dict[str, Any]) -> bool:
    enabled = properties.get("Enabled")
    state = template.resolve_scalar(properties.get("State")) if "State" in properties else None
    return (enabled is None or template.resolve_scalar(enabled) != "false") and state != "DISABLED"


def _retries(configured: int | None, default: int) -> int:
    if configured is None or configured < 0:
        return default
    return min(configured, MAX_LOCAL_RETRIES)


def _stream_table(template: Template, stream: Any) -> str:
    """The template table whose stream an event reads: `!GetAtt <Table>.StreamArn`, or a literal ARN."""
    tables = template.table_ids()
    if isinstance(stream, dict) and "Fn::GetAtt" in stream:
        argument = stream["Fn::GetAtt"]
        parts = argument.split(".", 1) if isinstance(argument, str) else argument
        if isinstance(parts, list) and len(parts) == 2 and parts[1] == "StreamArn" and parts[0] in tables:
            return str(parts[0])
    if isinstance(stream, str) and ":table/" in stream:
        name = stream.split(":table/", 1)[1].split("/", 1)[0]
        if name in tables:
            return name
    raise ValueError("its Stream is not the StreamArn of a table of the template")


def _stream_trigger(template: Template, event: FunctionEvent) -> StreamTrigger | None:
    properties = event.properties
    if not _enabled(template, properties):
        return None
    filters = ((properties.get("FilterCriteria") or {}).get("Filters")) or []
    retries = properties.get("MaximumRetryAttempts")
    return StreamTrigger(
        function_id=event.function_id,
        event_name=event.event_name,
        table_name=_stream_table(template, properties.get("Stream")),
        batch_size=max(1, _integer(template, properties.get("BatchSize"), DEFAULT_BATCH_SIZE)),
        filters=tuple(parse_pattern(item.get("Pattern")) for item in filters),
        maximum_retry_attempts=_retries(
            None if retries is None else _integer(template, retries, -1), DEFAULT_STREAM_RETRIES
        ),
        reports_batch_item_failures=REPORT_BATCH_ITEM_FAILURES
        in (properties.get("FunctionResponseTypes") or []),
    )


def _rule_trigger(template: Template, event: FunctionEvent) -> EventRuleTrigger | None:
    properties = event.properties
    if not _enabled(template, properties):
        return None
    if "Pattern" not in properties:
        raise ValueError("it has no Pattern")
    retries = (properties.get("RetryPolicy") or {}).get("MaximumRetryAttempts")
    bus = template.resolve_scalar(properties["EventBusName"]) if "EventBusName" in properties else None
    if "EventBusName" in properties and bus is None:
        raise ValueError("its EventBusName does not resolve locally")
    return EventRuleTrigger(
        function_id=event.function_id,
        event_name=event.event_name,
        bus_name=bus_name(bus),
        pattern=parse_pattern(template.resolve_intrinsics(properties["Pattern"])),
        maximum_retry_attempts=_retries(
            None if retries is None else _integer(template, retries, -1), DEFAULT_EVENT_RETRIES
        ),
    )


def _topic_trigger(template: Template, event: FunctionEvent) -> TopicTrigger:
    properties = event.properties
    topic = template.resolve_scalar(properties.get("Topic"))
    if topic is None or topic not in {spec.arn for spec in template.topics()}:
        raise ValueError("its Topic is not a topic of the template")
    policy = properties.get("FilterPolicy")
    scope = (
        template.resolve_scalar(properties.get("FilterPolicyScope"))
        if "FilterPolicyScope" in properties
        else None
    )
    if policy is not None:
        try:
            FilterPolicyMatcher(template.resolve_intrinsics(policy), scope)
        except FilterPolicyMatcher.CheckException as error:
            raise ValueError(f"its FilterPolicy is refused: {error}") from error
    retries = template.event_invoke_retries(event.function_id)
    return TopicTrigger(
        function_id=event.function_id,
        event_name=event.event_name,
        topic_arn=topic,
        filter_policy=template.resolve_intrinsics(policy) if policy is not None else None,
        filter_policy_scope=scope,
        maximum_retry_attempts=_retries(retries, DEFAULT_EVENT_RETRIES),
    )


@dataclass(frozen=True)
class Invocation:
    result: Any
    error: str | None = None  # the exception's class name, when the handler raised

    @property
    def failed(self) -> bool:
        return self.error is not None


class TriggerInvoker:
    def __init__(self, functions: FunctionRegistry) -> None:
        self._functions = functions
        self._said_missing: set[str] = set()

    def ready(self, function_id: str) -> bool:
        spec = self._functions[function_id].spec
        if not spec.handler_file_missing:
            return True
        if function_id not in self._said_missing:
            self._said_missing.add(function_id)
            print(
                f"local: {function_id} ({spec.handler}) is not written yet: what triggers it is skipped",
                file=sys.stderr,
            )
        return False

    def invoke(
        self, function_id: str, event: Any, *, trigger: str, attempt: int, attempts: int
    ) -> Invocation:
        """One attempt; the first failure's traceback is printed, later ones in one line."""
        try:
            return Invocation(self._functions[function_id].invoke(event))
        except Exception as error:
            print(
                f"local: {function_id} ({trigger}) failed, attempt {attempt} of {attempts}: "
                f"{type(error).__name__}",
                file=sys.stderr,
            )
            if attempt == 1:
                traceback.print_exc(file=sys.stderr)
            return Invocation(None, type(error).__name__)

    def invoke_async(
        self, function_id: str, event: dict[str, Any], trigger: str, trigger_type: str, retries: int
    ) -> None:
        """An asynchronous invocation (an EventBridge rule's, SNS's): retried at once, then the event goes to
        the dead letters (`GET /_local/dead-letters`) as it would to the on-failure destination."""
        if not self.ready(function_id):
            return
        attempts = retries + 1
        error = ""
        for attempt in range(1, attempts + 1):
            invocation = self.invoke(
                function_id,
                json.loads(json.dumps(event)),
                trigger=trigger,
                attempt=attempt,
                attempts=attempts,
            )
            if not invocation.failed:
                return
            error = invocation.error or ""
        dead_letters.append(
            {
                "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "function": function_id,
                "trigger": trigger,
                "type": trigger_type,
                "attempts": attempts,
                "error": error,
                "payload": event,
            }
        )
        print(
            f"local: {function_id} ({trigger}) still failed after {attempts} attempts; the event went to the "
            "dead letters (GET /_local/dead-letters)",
            file=sys.stderr,
        )
