"""Staff tokens for the local stack, and the check the Cognito authorizer makes in AWS.

Tokens are HS256 JWTs signed with the local secret and shaped like Cognito ID tokens. A verified token
becomes `requestContext.authorizer.claims` the way API Gateway's Cognito authorizer passes them on: every
value a string, `cognito:groups` flattened, `exp` and `iat` written as dates.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

import jwt

from local.aws.environment import REGION

ROLES = ("coordinator", "operator", "official", "leadership")
AGENCY_ROLES = frozenset({"operator", "official"})
TOKEN_LIFETIME_SECONDS = 12 * 60 * 60
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{REGION}_local"
AUDIENCE = "lapor-local"
ALGORITHM = "HS256"
_DATE_CLAIMS = ("exp", "iat")


class InvalidTokenError(ValueError):
    pass


def issue_token(
    secret: str, role: str, agency_id: str | None = None, sub: str | None = None, now: float | None = None
) -> str:
    """A signed token for one staff member; the caller has checked `role` and `agency_id`."""
    issued_at = int(now if now is not None else time.time())
    subject = sub or str(uuid.uuid4())
    claims: dict[str, Any] = {
        "sub": subject,
        "cognito:username": subject,
        "cognito:groups": [role],
        "token_use": "id",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "auth_time": issued_at,
        "iat": issued_at,
        "exp": issued_at + TOKEN_LIFETIME_SECONDS,
    }
    if agency_id:
        claims["custom:agency_id"] = agency_id
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization` header, with or without the `Bearer ` prefix."""
    if not authorization:
        return None
    scheme, _, rest = authorization.strip().partition(" ")
    token = rest.strip() if scheme.lower() == "bearer" else authorization.strip()
    return token or None


def verify_token(secret: str, token: str) -> dict[str, str]:
    """The authorizer claims of a valid token; raises InvalidTokenError for any other."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "token_use"]},
        )
    except jwt.PyJWTError as error:
        raise InvalidTokenError(str(error)) from error
    if claims.get("token_use") != "id":
        raise InvalidTokenError("not an ID token")
    return authorizer_claims(claims)


def authorizer_claims(claims: dict[str, Any]) -> dict[str, str]:
    """Claims as API Gateway's Cognito authorizer hands them to the function: strings only."""
    flattened: dict[str, str] = {}
    for name, value in claims.items():
        if name in _DATE_CLAIMS and isinstance(value, int | float):
            flattened[name] = datetime.fromtimestamp(value, tz=UTC).strftime("%a %b %d %H:%M:%S UTC %Y")
        elif isinstance(value, list):
            flattened[name] = ",".join(str(item) for item in value)
        elif isinstance(value, bool):
            flattened[name] = "true" if value else "false"
        else:
            flattened[name] = str(value)
    return flattened
