"""Event patterns, as EventBridge rules and Lambda's FilterCriteria write them (one language for both).

A pattern is a JSON object. A key whose value is an object matches the event's object under that key; a key
whose value is an array matches when the event's value there (or, for an array, one of its elements)
matches one of the array's matchers. Matchers: a plain value (exact, `1` is not `"1"`), `{"prefix"}`,
`{"suffix"}`, `{"equals-ignore-case"}`, `{"exists": true|false}`, `{"anything-but": value | [values] |
{"prefix"} | {"suffix"}}` and `{"numeric": ["<", 10, ...]}`; `"$or": [pattern, ...]` at any level. Other
operators are refused when the template is read (`UnsupportedPatternError`).
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Mapping
from typing import Any, Final

OR_KEY = "$or"
_OPERATORS = frozenset({"prefix", "suffix", "equals-ignore-case", "exists", "anything-but", "numeric"})
_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class _Missing:
    """An absent key: only `{"exists": false}` matches it."""


MISSING: Final = _Missing()


class UnsupportedPatternError(ValueError):
    pass


def parse_pattern(value: Any) -> dict[str, Any]:
    """A pattern from the template: a JSON string (FilterCriteria) or an object (EventBridgeRule)."""
    try:
        pattern = json.loads(value) if isinstance(value, str) else value
    except ValueError as error:
        raise UnsupportedPatternError(f"not JSON: {error}") from error
    if not isinstance(pattern, dict):
        raise UnsupportedPatternError("a pattern must be a JSON object")
    check_pattern(pattern)
    return pattern


def check_pattern(pattern: Mapping[str, Any], where: str = "") -> None:
    for key, expected in pattern.items():
        at = f"{where}.{key}" if where else key
        if key == OR_KEY:
            if not isinstance(expected, list) or not all(isinstance(item, dict) for item in expected):
                raise UnsupportedPatternError(f"{at}: $or takes a list of patterns")
            for item in expected:
                check_pattern(item, at)
        elif isinstance(expected, dict):
            check_pattern(expected, at)
        elif isinstance(expected, list):
            for matcher in expected:
                _check_matcher(matcher, at)
        else:
            raise UnsupportedPatternError(f"{at}: a leaf must be a list of matchers")


def _check_matcher(matcher: Any, at: str) -> None:
    if not isinstance(matcher, dict):
        return
    if len(matcher) != 1 or next(iter(matcher)) not in _OPERATORS:
        raise UnsupportedPatternError(
            f"{at}: unsupported matcher {json.dumps(matcher)} (supported: {', '.join(sorted(_OPERATORS))})"
        )


def matches(pattern: Mapping[str, Any], event: Any) -> bool:
    """Whether `event` (a JSON value) matches `pattern` (checked by `parse_pattern`)."""
    fields = event if isinstance(event, Mapping) else {}
    for key, expected in pattern.items():
        if key == OR_KEY:
            if not any(matches(alternative, event) for alternative in expected):
                return False
            continue
        value = fields.get(key, MISSING)
        if isinstance(expected, dict):
            if not matches(expected, value):
                return False
        elif not any(_matcher_matches(matcher, value) for matcher in expected):
            return False
    return True


def _values(value: Any) -> list[Any]:
    if value is MISSING:
        return []
    return list(value) if isinstance(value, list) else [value]


def _equal(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return expected == actual
    return type(expected) is type(actual) and expected == actual


def _matcher_matches(matcher: Any, value: Any) -> bool:
    if not isinstance(matcher, dict):
        return any(_equal(matcher, actual) for actual in _values(value))
    [(name, operand)] = matcher.items()
    if name == "exists":
        return (value is not MISSING) == bool(operand)
    if name == "anything-but":
        return any(not _excluded(operand, actual) for actual in _values(value))
    test = _LEAF_TESTS.get(name)
    return test is not None and any(test(operand, actual) for actual in _values(value))


def _excluded(operand: Any, actual: Any) -> bool:
    if isinstance(operand, dict):
        return any(_LEAF_TESTS[name](inner, actual) for name, inner in operand.items() if name in _LEAF_TESTS)
    excluded = operand if isinstance(operand, list) else [operand]
    return any(_equal(item, actual) for item in excluded)


def _prefix(operand: Any, actual: Any) -> bool:
    return isinstance(operand, str) and isinstance(actual, str) and actual.startswith(operand)


def _suffix(operand: Any, actual: Any) -> bool:
    return isinstance(operand, str) and isinstance(actual, str) and actual.endswith(operand)


def _equals_ignore_case(operand: Any, actual: Any) -> bool:
    return isinstance(operand, str) and isinstance(actual, str) and operand.casefold() == actual.casefold()


def _numeric(operand: Any, actual: Any) -> bool:
    if isinstance(actual, bool) or not isinstance(actual, int | float) or not isinstance(operand, list):
        return False
    pairs = zip(operand[::2], operand[1::2], strict=False)
    return all(
        name in _COMPARISONS and isinstance(bound, int | float) and _COMPARISONS[name](actual, bound)
        for name, bound in pairs
    )


_LEAF_TESTS: dict[str, Callable[[Any, Any], bool]] = {
    "prefix": _prefix,
    "suffix": _suffix,
    "equals-ignore-case": _equals_ignore_case,
    "numeric": _numeric,
}
