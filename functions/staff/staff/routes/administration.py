"""The coordinator's city settings: the routing rules and each year's days off."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from lapor.domain.routing_rules import RoutingRuleSet
from lapor.http.docs import error_doc, json_doc
from lapor.http.resolver import make_router
from lapor.services.calendar_admin import CalendarDelta, CalendarView
from lapor.wiring import calendar_admin, routing_rules_admin
from staff.conventions import READ_ERRORS, caller_of, request_id_of

router = make_router()
TAGS = ["staff: administration"]
Year = Annotated[int, Path(ge=2000, le=2100, description="A year, e.g. 2026")]


@router.get(
    "/staff/routing-rules",
    summary="Routing rules",
    tags=TAGS,
    responses={200: json_doc(RoutingRuleSet, "The rules"), **READ_ERRORS},
)
def routing_rules() -> RoutingRuleSet:
    return routing_rules_admin().rules(caller_of(router))


@router.put(
    "/staff/routing-rules",
    summary="Replace the routing rules",
    tags=TAGS,
    responses={
        200: json_doc(RoutingRuleSet, "The rules now"),
        **READ_ERRORS,
        422: error_doc("Invalid rules"),
    },
)
def replace_routing_rules(body: Annotated[RoutingRuleSet, Body()]) -> RoutingRuleSet:
    return routing_rules_admin().replace(caller_of(router), body)


@router.get(
    "/staff/calendar/<year>",
    summary="A year's days off: national (from the holidays package) and added, and the removed ones",
    tags=TAGS,
    responses={200: json_doc(CalendarView, "The year"), **READ_ERRORS},
)
def read_calendar(year: Year) -> CalendarView:
    return calendar_admin().read(caller_of(router), year)


@router.put(
    "/staff/calendar/<year>",
    summary="Change a year's days off (a delta); running deadlines are recomputed by the next escalation run",
    tags=TAGS,
    responses={
        200: json_doc(CalendarView, "The year now"),
        **READ_ERRORS,
        409: error_doc("Changed by someone else meanwhile"),
        422: error_doc("Invalid dates"),
    },
)
def change_calendar(year: Year, body: Annotated[CalendarDelta, Body()]) -> CalendarView:
    return calendar_admin().change(caller_of(router), year, body, request_id_of(router))
