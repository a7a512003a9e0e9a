"""Officers' sign-in in the Cognito user pool (`lapor.ports.StaffDirectory`): the user (its username the
e-mail, invited by e-mail with a temporary password), its group (the role) and `custom:agency_id`; an
inactive officer is disabled and signed out everywhere (refresh tokens revoked). The roster check in the
staff functions refuses an inactive officer's ID tokens still in their hour. The client is built on first
use."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from lapor.adapters.sdk_config import new_client
from lapor.domain.errors import OfficerExists, StoreUnavailable
from lapor.domain.roster import NewOfficer, Officer

AGENCY_ATTRIBUTE = "custom:agency_id"


@lru_cache(maxsize=1)
def cognito_client() -> Any:
    return new_client("cognito-idp")


class CognitoDirectory:
    def __init__(self, user_pool_id: str, client: Any = None) -> None:
        self._pool = user_pool_id
        self._client = client

    def invite(self, officer: NewOfficer) -> str:
        attributes = [
            {"Name": "email", "Value": officer.email},
            {"Name": "email_verified", "Value": "true"},
        ]
        if officer.agency_id:
            attributes.append({"Name": AGENCY_ATTRIBUTE, "Value": officer.agency_id})
        answer = self._call(
            "admin_create_user",
            UserPoolId=self._pool,
            Username=officer.email,
            UserAttributes=attributes,
            DesiredDeliveryMediums=["EMAIL"],
        )
        user = answer["User"]
        sub = next(a["Value"] for a in user.get("Attributes", []) if a["Name"] == "sub")
        group = officer.role.value
        self._call("admin_add_user_to_group", UserPoolId=self._pool, Username=sub, GroupName=group)
        return str(sub)

    def change(self, before: Officer, after: Officer) -> None:
        user = {"UserPoolId": self._pool, "Username": after.id}
        if after.role != before.role:
            self._call("admin_add_user_to_group", **user, GroupName=after.role.value)
            self._call("admin_remove_user_from_group", **user, GroupName=before.role.value)
        if after.agency_id != before.agency_id:
            if after.agency_id:
                attribute = [{"Name": AGENCY_ATTRIBUTE, "Value": after.agency_id}]
                self._call("admin_update_user_attributes", **user, UserAttributes=attribute)
            else:
                self._call("admin_delete_user_attributes", **user, UserAttributeNames=[AGENCY_ATTRIBUTE])
        if after.active != before.active:
            if after.active:
                self._call("admin_enable_user", **user)
            else:
                self._call("admin_disable_user", **user)
                self._call("admin_user_global_sign_out", **user)

    def _call(self, operation: str, **request: Any) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        client = self._client or cognito_client()
        try:
            answer: dict[str, Any] = getattr(client, operation)(**request)
        except ClientError as error:  # never its message: it may quote the e-mail
            code = error.response.get("Error", {}).get("Code", "")
            if code == "UsernameExistsException":
                raise OfficerExists(code) from None
            if code in ("TooManyRequestsException", "InternalErrorException", "LimitExceededException"):
                raise StoreUnavailable(code) from None
            raise RuntimeError(f"cognito {operation} failed: {code}") from None
        except BotoCoreError as error:
            raise StoreUnavailable(type(error).__name__) from None
        return answer


class RosterOnlyDirectory:
    """The local stack's sign-in: `POST /_local/token` issues tokens, so the roster alone says who is who
    (the id is a new UUID, as Cognito's `sub` is)."""

    def invite(self, officer: NewOfficer) -> str:
        import uuid

        return str(uuid.uuid4())

    def change(self, before: Officer, after: Officer) -> None:
        return None
