"""Domain errors. One module (lapor.http.errors) turns them into HTTP answers."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as default


@dataclass(frozen=True)
class FieldProblem:
    """One invalid field: a dotted path and a message key of lapor.domain.messages."""

    field: str
    key: str
    params: dict[str, object] = default(default_factory=dict)


class DomainError(Exception):
    """Base class; `code` is stable and never translated."""

    code = "domain_error"

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.code)
        self.detail = detail


class NotFound(DomainError):
    """Unknown, or not visible to the caller (answered alike, as if it did not exist)."""

    code = "not_found"


class BadToken(DomainError):
    """An access token that does not match the report, whether or not the report exists."""

    code = "invalid_token"


class UseStaffRoute(BadToken):
    """A staff token on a reporter's route that has a staff twin (API Gateway cannot check an optional
    token on one route): 401, naming the route to use."""

    code = "use_staff_route"


class Unauthenticated(DomainError):
    """A staff route reached without verified claims (API Gateway's authorizer normally stops it)."""

    code = "unauthorized"


class OfficerInactive(Unauthenticated):
    """A token of an officer the roster marks inactive: refused from their next request (401)."""


class OfficerExists(DomainError):
    """An officer with this e-mail is on the roster already: 409 `officer_exists`."""

    code = "officer_exists"


class InvalidTransition(DomainError):
    code = "invalid_transition"


class VersionConflict(DomainError):
    code = "version_conflict"


class AlreadyRated(DomainError):
    code = "already_rated"


class TooManyAttachments(DomainError):
    """The report already holds its maximum of files (or forms that may still bring one)."""

    code = "too_many_attachments"


class ReopenNotAllowed(InvalidTransition):
    """A reopen after the window, or a second one."""


class Forbidden(DomainError):
    """The caller may see the report but its role may not take the action."""

    code = "forbidden"


class InvalidInput(DomainError):
    """Well-formed input that breaks a rule only the domain can check (an unknown category, say)."""

    code = "validation_error"

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__(", ".join(p.field for p in problems))
        self.problems = problems


class Unparseable(InvalidInput):
    """A parameter that cannot be parsed at all (a tampered cursor, say): HTTP 400, not 422."""

    code = "bad_request"


class InvalidCode(InvalidInput):
    """A wrong (or expired) contact confirmation code: 422 `invalid_code`, naming the field `code`."""

    code = "invalid_code"

    def __init__(self) -> None:
        super().__init__([FieldProblem("code", "wrong_code")])


class IdentityErased(DomainError):
    """The reporter's identity was erased (or expired): 410 `identity_erased`."""

    code = "identity_erased"


class CannotRelaxPrivacy(InvalidInput):
    """Privacy flags only tighten: turning `anonymous` or `confidential` off is 422 `cannot_relax_privacy`."""

    code = "cannot_relax_privacy"

    def __init__(self, fields: list[str]) -> None:
        super().__init__([FieldProblem(name, "cannot_relax") for name in fields])


class AgencyHasOpenReports(DomainError):
    """An agency that still holds open reports cannot be deactivated until they are forwarded: 409."""

    code = "agency_has_open_reports"


class CodeVoid(DomainError):
    """Five wrong codes (or none to confirm): 409 `code_void` until a new code is sent."""

    code = "code_void"


class DeliveryRefused(DomainError):
    """A channel refused a message for good (a rejected address, the spend limit): recorded, not retried.
    `reason` is a fixed word, never the provider's message (which may quote the address)."""

    code = "delivery_refused"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"


class RequestInProgress(DomainError):
    """The same idempotency key is being processed right now."""

    code = "request_in_progress"


class StoreUnavailable(DomainError):
    """The store throttled or timed out after the SDK's retries: try again later."""

    code = "service_unavailable"
