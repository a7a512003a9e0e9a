"""Match a request to the template's API routes the way API Gateway (REST) does.

The most specific resource wins (a literal segment over a `{param}`, that over a greedy `{proxy+}`); then
the method is looked up on that resource, `ANY` matching every method the resource does not name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from local.template import ApiRoute

ANY_METHOD = "ANY"


@dataclass(frozen=True)
class RouteMatch:
    route: ApiRoute
    path_parameters: dict[str, str]


def _segments(path: str) -> list[str]:
    return [segment for segment in path.strip("/").split("/") if segment]


def _match_path(template: str, path: str) -> tuple[tuple[int, ...], dict[str, str]] | None:
    """Path parameters and a sort key (lower is more specific) when `path` fits the `template`."""
    wanted = _segments(template)
    actual = _segments(path)
    parameters: dict[str, str] = {}
    rank: list[int] = []
    for index, segment in enumerate(wanted):
        if segment.startswith("{") and segment.endswith("+}"):
            rest = actual[index:]
            if not rest:
                return None
            parameters[segment[1:-2]] = unquote("/".join(rest))
            rank.append(2)
            return tuple(rank), parameters
        if index >= len(actual):
            return None
        if segment.startswith("{") and segment.endswith("}"):
            parameters[segment[1:-1]] = unquote(actual[index])
            rank.append(1)
        elif segment == unquote(actual[index]):
            rank.append(0)
        else:
            return None
    if len(actual) != len(wanted):
        return None
    return tuple(rank), parameters


class RouteTable:
    def __init__(self, routes: Iterable[ApiRoute]) -> None:
        self._routes = list(routes)

    def __iter__(self) -> Iterable[ApiRoute]:
        return iter(self._routes)

    def match(self, method: str, path: str) -> RouteMatch | None:
        """The route API Gateway would pick for this method and path, or None (API Gateway answers 403)."""
        resources: list[tuple[tuple[int, ...], str, dict[str, str]]] = []
        for route in self._routes:
            found = _match_path(route.path, path)
            if found is not None:
                resources.append((found[0], route.path, found[1]))
        if not resources:
            return None
        # API Gateway picks the resource first, then looks for the method on it.
        _, resource_path, parameters = min(resources, key=lambda resource: resource[0])
        methods = {route.method: route for route in self._routes if route.path == resource_path}
        chosen = methods.get(method.upper()) or methods.get(ANY_METHOD)
        return RouteMatch(chosen, parameters) if chosen else None
