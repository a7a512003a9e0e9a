"""The coordinator's city settings: agencies and categories, the routing rules and each year's days off."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from lapor.domain.catalog import Agency, Category
from lapor.domain.routing_rules import RoutingRuleSet
from lapor.http.docs import error_doc, json_doc
from lapor.http.resolver import make_router
from lapor.services.calendar_admin import CalendarDelta, CalendarView
from lapor.services.catalog_admin import AgencyInput, AgencyList, CategoryInput, CategoryList
from lapor.wiring import calendar_admin, catalog_admin, routing_rules_admin
from staff.conventions import READ_ERRORS, caller_of, request_id_of

router = make_router()
TAGS = ["staff: administration"]
Year = Annotated[int, Path(ge=2000, le=2100, description="A year, e.g. 2026")]
CODE_PATTERN = r"^[a-z0-9][a-z0-9-]{0,39}$"
AgencyId = Annotated[str, Path(description="The agency's id, e.g. dinas-putr", pattern=CODE_PATTERN)]
CategoryCode = Annotated[str, Path(description="The category's code, e.g. jalan", pattern=CODE_PATTERN)]


@router.get(
    "/staff/agencies",
    summary="Every agency, inactive ones too (GET /agencies lists the active ones)",
    tags=TAGS,
    responses={200: json_doc(AgencyList, "The agencies"), **READ_ERRORS},
)
def list_agencies() -> AgencyList:
    return catalog_admin().agencies(caller_of(router))


@router.put(
    "/staff/agencies/<id>",
    summary="Create or change an agency (rename, deactivate, reactivate); audited",
    description=(
        "Creates the agency when the id is new, otherwise replaces its name, short name and `active`. "
        "Reports keep the agency's name of the time. Deactivating an agency that still holds open reports "
        "(disposed or in progress) answers 409 `agency_has_open_reports`: forward them first. Every change "
        "is audited (who, when, before and after); an unchanged body writes nothing."
    ),
    tags=TAGS,
    responses={
        200: json_doc(Agency, "The agency now"),
        **READ_ERRORS,
        409: error_doc("It holds open reports, or it was changed by someone else meanwhile"),
        422: error_doc("Invalid body"),
    },
)
def put_agency(id: AgencyId, body: Annotated[AgencyInput, Body()]) -> Agency:
    return catalog_admin().put_agency(caller_of(router), id, body, request_id_of(router))


@router.get(
    "/staff/categories",
    summary="Every category, inactive ones too (GET /categories lists the active ones)",
    tags=TAGS,
    responses={200: json_doc(CategoryList, "The categories"), **READ_ERRORS},
)
def list_categories() -> CategoryList:
    return catalog_admin().categories(caller_of(router))


@router.put(
    "/staff/categories/<code>",
    summary="Create or change a category (rename, default agency and type, deactivate); audited",
    description=(
        "Creates the category when the code is new, otherwise replaces it. `default_agency_id` must be a "
        "known agency, and an active one for an active category (422 naming it). A new report naming an "
        "inactive category is refused (422); reports filed under it keep its name of the time. Audited as "
        "agencies are."
    ),
    tags=TAGS,
    responses={
        200: json_doc(Category, "The category now"),
        **READ_ERRORS,
        409: error_doc("Changed by someone else meanwhile"),
        422: error_doc("Invalid body, or an unknown or inactive default agency"),
    },
)
def put_category(code: CategoryCode, body: Annotated[CategoryInput, Body()]) -> Category:
    return catalog_admin().put_category(caller_of(router), code, body, request_id_of(router))


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
    summary="Change a year's days off (a delta); running deadlines are recomputed at once",
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
