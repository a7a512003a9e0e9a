"""The report export use case (`GET /staff/exports/reports.csv`): one page of CSV a call.

The coordinator and leadership only (both see every report; no agency scope applies). `from` and `to` are
WIB dates of `submitted_at`, both inclusive, `to` at most `MAX_SPAN_DAYS` after `from`. Each call costs one
query of the staff list (`StaffLists.list_staff` over the queue index, as the coordinator's inbox
reads it) and answers that page as CSV, its header line first, with the cursor of the next page (None on
the last). A page may hold fewer rows than `limit`, even none, and still have a next page: the dates are a
filter over the index, applied after its `limit` items are read. Rows come in the index's order (running
clocks first by their soonest deadline, then the rest), not by `submitted_at`.

Columns, escaping and what is left out (identity, description): `lapor.domain.exports`.
"""

from __future__ import annotations

from datetime import date, timedelta

from lapor.domain.access import StaffCaller, ensure_role
from lapor.domain.calendar import start_of_day
from lapor.domain.errors import FieldProblem, InvalidInput
from lapor.domain.exports import reports_csv
from lapor.domain.lifecycle import Role
from lapor.domain.wallclock import iso
from lapor.ports import StaffFilter, StaffLists

MAX_SPAN_DAYS = 366
"""`to` is at most this many days after `from` (a whole leap year fits, both ends included)."""
DEFAULT_LIMIT = 500
MAX_LIMIT = 1000


class ExportService:
    def __init__(self, store: StaffLists) -> None:
        self._store = store

    def reports_csv(
        self,
        caller: StaffCaller,
        first: date,
        last: date,
        cursor: str | None,
        limit: int = DEFAULT_LIMIT,
    ) -> tuple[str, str | None]:
        """One page: the CSV text (header line first) and the next page's cursor, or None.

        `Forbidden` for a role other than coordinator and leadership; `InvalidInput` naming `from` (after
        `to`), `to` (more than `MAX_SPAN_DAYS` after `from`) or `limit` (outside 1..`MAX_LIMIT`);
        `Unparseable` for a tampered cursor (from the repository).
        """
        ensure_role(caller, Role.COORDINATOR, Role.LEADERSHIP)
        _check(first, last, limit)
        where = StaffFilter(
            submitted_from=iso(start_of_day(first)),
            submitted_before=iso(start_of_day(last + timedelta(days=1))),
        )
        page = self._store.list_staff(where, limit, cursor)
        return reports_csv(page.items), page.next_cursor


def _check(first: date, last: date, limit: int) -> None:
    problems: list[FieldProblem] = []
    if first > last:
        problems.append(FieldProblem("from", "less_than_equal", {"le": last.isoformat()}))
    elif (last - first).days > MAX_SPAN_DAYS:
        latest = first + timedelta(days=MAX_SPAN_DAYS)
        problems.append(FieldProblem("to", "less_than_equal", {"le": latest.isoformat()}))
    if limit < 1:
        problems.append(FieldProblem("limit", "greater_than_equal", {"ge": 1}))
    elif limit > MAX_LIMIT:
        problems.append(FieldProblem("limit", "less_than_equal", {"le": MAX_LIMIT}))
    if problems:
        raise InvalidInput(problems)
