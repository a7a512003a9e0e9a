"""The coordinator's catalog at run time (API.md, "Administration and leadership reporting"): agencies and
categories created, renamed, deactivated and reactivated, each change audited (who, when, before and
after). Reports keep the names they were filed and assigned under (their `category` and `agency` carry the
name of the time). An agency that still holds open reports cannot be deactivated until they are forwarded.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr

from lapor.domain.access import StaffCaller, ensure_role
from lapor.domain.catalog import Agency, Category
from lapor.domain.errors import AgencyHasOpenReports, FieldProblem, InvalidInput
from lapor.domain.lifecycle import Role
from lapor.domain.models import Code, ReportType, min_visible
from lapor.ports import CatalogAudit, CatalogStore
from lapor.services.base import Service

CatalogName = Annotated[StrictStr, Field(min_length=2, max_length=150), min_visible(2)]
ShortName = Annotated[StrictStr, Field(min_length=1, max_length=40), min_visible(1)]


class AgencyInput(BaseModel):
    """`PUT /staff/agencies/{id}`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: CatalogName
    short_name: ShortName
    active: StrictBool = True


class CategoryInput(BaseModel):
    """`PUT /staff/categories/{code}`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: CatalogName
    default_agency_id: Code
    default_type: ReportType
    active: StrictBool = True


class AgencyList(BaseModel):
    items: list[Agency]


class CategoryList(BaseModel):
    items: list[Category]


class CatalogAdmin(Service[CatalogStore]):
    def agencies(self, caller: StaffCaller) -> AgencyList:
        """Every agency, inactive ones too (the public list holds the active ones only)."""
        ensure_role(caller, Role.COORDINATOR)
        setup = self._setup.get()
        return AgencyList(items=sorted(setup.agencies.values(), key=lambda a: a.id))

    def categories(self, caller: StaffCaller) -> CategoryList:
        ensure_role(caller, Role.COORDINATOR)
        setup = self._setup.get()
        return CategoryList(items=sorted(setup.categories.values(), key=lambda c: c.code))

    def put_agency(self, caller: StaffCaller, agency_id: str, body: AgencyInput, request_id: str) -> Agency:
        ensure_role(caller, Role.COORDINATOR)
        before = self._setup.current().agencies.get(agency_id)
        after = Agency(id=agency_id, **body.model_dump())
        if after == before:
            return after  # nothing changes, nothing is written
        leaving = before is not None and before.active and not after.active
        if leaving and self._store.holds_open_reports(agency_id):
            raise AgencyHasOpenReports(agency_id)
        self._store.put_agency(after, before, self._audit(caller, request_id, before, after))
        self._setup.invalidate()
        return after

    def put_category(self, caller: StaffCaller, code: str, body: CategoryInput, request_id: str) -> Category:
        ensure_role(caller, Role.COORDINATOR)
        setup = self._setup.current()
        agency = setup.agencies.get(body.default_agency_id)
        if agency is None:
            raise InvalidInput([FieldProblem("default_agency_id", "unknown_agency")])
        if not agency.active and body.active:
            raise InvalidInput([FieldProblem("default_agency_id", "inactive_agency")])
        before = setup.categories.get(code)
        after = Category(code=code, **body.model_dump())
        if after == before:
            return after
        self._store.put_category(after, before, self._audit(caller, request_id, before, after))
        self._setup.invalidate()
        return after

    def _audit(
        self, caller: StaffCaller, request_id: str, before: BaseModel | None, after: BaseModel
    ) -> CatalogAudit:
        return CatalogAudit(
            at=self._now(),
            actor_id=caller.id,
            request_id=request_id,
            before=before.model_dump(mode="json") if before is not None else None,
            after=after.model_dump(mode="json"),
        )
