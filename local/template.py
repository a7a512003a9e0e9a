"""Read `template.yaml` as the local stack needs it: the tables (`tools.tables`), functions, routes,
schedules, event buses, topics, buckets, KMS keys and the e-mail and SMS configuration sets, with the
intrinsics that resolve locally, and the parameters as the local stack sets them.

Parameters take their defaults, then the local stack's own (`LOCAL_PARAMETERS`: a stand-in SMS origination
identity, so that SMS are sent locally), then `LAPOR_PARAMETER_OVERRIDES` (`Name=Value` pairs separated by
spaces, as `sam deploy --parameter-overrides` takes them; `SmsOriginationIdentityArn=` sends no SMS, as a
stack without an origination identity). An override is checked as CloudFormation checks a parameter.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local.aws.environment import ACCOUNT_ID, REGION
from local.paths import TEMPLATE_PATH
from tools.cfn_yaml import parse_template_text
from tools.tables import TABLE_TYPE, TableSpec, table_specs

FUNCTION_TYPE = "AWS::Serverless::Function"
API_TYPE = "AWS::Serverless::Api"
EVENT_BUS_TYPE = "AWS::Events::EventBus"
TOPIC_TYPE = "AWS::SNS::Topic"
BUCKET_TYPE = "AWS::S3::Bucket"
KMS_KEY_TYPE = "AWS::KMS::Key"
EMAIL_CONFIGURATION_SET_TYPE = "AWS::SES::ConfigurationSet"
EMAIL_EVENT_DESTINATION_TYPE = "AWS::SES::ConfigurationSetEventDestination"
SMS_CONFIGURATION_SET_TYPE = "AWS::SMSVOICE::ConfigurationSet"
PARAMETER_OVERRIDES_VARIABLE = "LAPOR_PARAMETER_OVERRIDES"
# The local stack's own parameter values (a parameter the template does not declare is left alone): a
# stand-in origination identity, which the local SMS service accepts as AWS accepts the account's own.
SMS_ORIGINATION_PARAMETER = "SmsOriginationIdentityArn"
LOCAL_PARAMETERS: Mapping[str, str] = {
    SMS_ORIGINATION_PARAMETER: f"arn:aws:sms-voice:{REGION}:{ACCOUNT_ID}:phone-number/phone-lapor-local",
}
IMPLICIT_API_ID = "ServerlessRestApi"
NO_AUTHORIZER = "NONE"
DEFAULT_STAGE = "Prod"
DEFAULT_APP_TABLE = "AppTable"
LOCAL_STACK_NAME = "lapor-local"
DEFAULT_TIMEOUT_SECONDS = 3
DEFAULT_MEMORY_MB = 128
MAX_BUCKET_NAME_LENGTH = 63
_INTRINSIC_PREFIX = "Fn::"


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    code_dir: Path
    handler: str
    environment: dict[str, str]
    timeout_seconds: int
    memory_mb: int

    @property
    def module_name(self) -> str:
        return self.handler.rsplit(".", 1)[0]

    @property
    def attribute_name(self) -> str:
        return self.handler.rsplit(".", 1)[1]

    @property
    def handler_file_missing(self) -> bool:
        """True while the handler's module has not been written yet (the stack still starts)."""
        module_path = self.code_dir / Path(*self.module_name.split("."))
        return not (module_path.with_suffix(".py").is_file() or (module_path / "__init__.py").is_file())


@dataclass(frozen=True)
class ApiRoute:
    """One `Type: Api` event: method (upper case, or ANY), path template, target function, authorizer."""

    method: str
    path: str
    function_id: str
    event_name: str
    authorizer: str | None


@dataclass(frozen=True)
class ScheduleSpec:
    """One `Type: ScheduleV2` event of a function."""

    function_id: str
    event_name: str
    schedule_name: str | None
    expression: str
    timezone: str | None
    input: Any
    state: str | None = None

    @property
    def job_name(self) -> str:
        """The name shown for the job (`escalation` for `EscalationSchedule`): one of `job_names`."""
        name = self.event_name.lower()
        for suffix in ("schedule", "job"):
            name = name.removesuffix(suffix)
        return name.strip("-_") or self.function_id.lower().removesuffix("function").strip("-_")

    @property
    def job_names(self) -> frozenset[str]:
        """The names `POST /_local/jobs/{name}` accepts for this schedule, all lower case."""
        names = {self.event_name.lower(), self.function_id.lower()}
        if self.schedule_name:
            names.add(self.schedule_name.lower())
        for suffix in ("schedule", "job", "function"):
            names |= {name.removesuffix(suffix) for name in names if name.endswith(suffix)}
        return frozenset(name.strip("-_") for name in names if name)


@dataclass(frozen=True)
class FunctionEvent:
    """One entry of a function's `Events`, of any type."""

    function_id: str
    event_name: str
    properties: dict[str, Any]


@dataclass(frozen=True)
class TopicSpec:
    logical_id: str
    name: str
    kms_master_key_id: str | None = None

    @property
    def arn(self) -> str:
        return f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:{self.name}"


@dataclass(frozen=True)
class KmsKeySpec:
    """A customer-managed key: its id is fixed by its logical id (`local_key_id`), its material is not."""

    logical_id: str
    description: str

    @property
    def key_id(self) -> str:
        return local_key_id(self.logical_id)

    @property
    def arn(self) -> str:
        return f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/{self.key_id}"


def local_key_id(logical_id: str) -> str:
    """A KMS key id (a UUID) that stays the same across restarts and machines for one logical id."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{LOCAL_STACK_NAME}/kms/{logical_id}"))


@dataclass(frozen=True)
class EventDestination:
    """Where a configuration set sends a message's events: an EventBridge bus (its name) or an SNS topic
    (its ARN), for the event types it names (`DELIVERY`, `BOUNCE`... for SES; `TEXT_DELIVERED`... for SMS;
    `ALL`, `TEXT_ALL` match every one)."""

    kind: str  # "eventbridge" or "sns"
    target: str
    event_types: frozenset[str]

    def takes(self, event_type: str) -> bool:
        return bool({event_type, "ALL", "TEXT_ALL"} & self.event_types)


class TemplateError(ValueError):
    """What the local stack cannot start with (a parameter override CloudFormation would refuse)."""


@dataclass(frozen=True)
class BucketSpec:
    """One S3 bucket: its local name and whether it sends its events to EventBridge (the default bus)."""

    logical_id: str
    name: str
    eventbridge_enabled: bool

    @property
    def arn(self) -> str:
        return f"arn:aws:s3:::{self.name}"


def local_bucket_name(logical_id: str) -> str:
    """A bucket without `BucketName` is named by CloudFormation `<stack>-<logical id, lower case>-<suffix>`;
    locally the same without the suffix (`lapor-local-attachmentsbucket`), a valid S3 bucket name."""
    return f"{LOCAL_STACK_NAME}-{logical_id.lower()}"[:MAX_BUCKET_NAME_LENGTH].rstrip("-")


@dataclass(frozen=True)
class Template:
    path: Path
    document: dict[str, Any] = field(repr=False)
    parameters: Mapping[str, str] = field(default_factory=dict)  # values that replace the defaults

    @property
    def root_dir(self) -> Path:
        return self.path.parent

    @property
    def resources(self) -> dict[str, Any]:
        resources: dict[str, Any] = self.document.get("Resources") or {}
        return resources

    def _resources_of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {
            logical_id: resource.get("Properties") or {}
            for logical_id, resource in self.resources.items()
            if resource.get("Type") == resource_type
        }

    def _globals(self, section: str) -> dict[str, Any]:
        found: dict[str, Any] = (self.document.get("Globals") or {}).get(section) or {}
        return found

    # Tables -----------------------------------------------------------------------------------------

    def tables(self) -> list[TableSpec]:
        return table_specs(self.document)

    def table_ids(self) -> set[str]:
        return set(self._resources_of_type(TABLE_TYPE))

    # Event buses and topics -------------------------------------------------------------------------

    def event_buses(self) -> list[str]:
        """The names of the template's event buses (`Name`, else the logical id)."""
        return [self._event_bus_name(logical_id) for logical_id in self._resources_of_type(EVENT_BUS_TYPE)]

    def topics(self) -> list[TopicSpec]:
        """The template's SNS topics, named by `TopicName`, else by their logical id."""
        return [self._topic(logical_id) for logical_id in self._resources_of_type(TOPIC_TYPE)]

    # Buckets ----------------------------------------------------------------------------------------

    def buckets(self) -> list[BucketSpec]:
        return [self._bucket(logical_id) for logical_id in self._resources_of_type(BUCKET_TYPE)]

    def _bucket(self, logical_id: str) -> BucketSpec:
        properties = self._resources_of_type(BUCKET_TYPE)[logical_id]
        notifications = properties.get("NotificationConfiguration") or {}
        eventbridge = (notifications.get("EventBridgeConfiguration") or {}).get("EventBridgeEnabled")
        return BucketSpec(
            logical_id=logical_id,
            name=self.resolve_scalar(properties.get("BucketName")) or local_bucket_name(logical_id),
            eventbridge_enabled=self.resolve_scalar(eventbridge) == "true",
        )

    def _event_bus_name(self, logical_id: str) -> str:
        properties = self._resources_of_type(EVENT_BUS_TYPE)[logical_id]
        return self.resolve_scalar(properties.get("Name")) or logical_id

    def _topic(self, logical_id: str) -> TopicSpec:
        properties = self._resources_of_type(TOPIC_TYPE)[logical_id]
        return TopicSpec(
            logical_id,
            self.resolve_scalar(properties.get("TopicName")) or logical_id,
            self.resolve_scalar(properties.get("KmsMasterKeyId")),
        )

    # KMS keys, e-mail and SMS configuration sets ----------------------------------------------------

    def kms_keys(self) -> list[KmsKeySpec]:
        return [
            KmsKeySpec(logical_id, self.resolve_scalar(properties.get("Description")) or "")
            for logical_id, properties in self._resources_of_type(KMS_KEY_TYPE).items()
        ]

    def _email_configuration_set_name(self, logical_id: str) -> str:
        properties = self._resources_of_type(EMAIL_CONFIGURATION_SET_TYPE)[logical_id]
        return self.resolve_scalar(properties.get("Name")) or f"{LOCAL_STACK_NAME}-{logical_id.lower()}"

    def _sms_configuration_set_name(self, logical_id: str) -> str:
        properties = self._resources_of_type(SMS_CONFIGURATION_SET_TYPE)[logical_id]
        name = self.resolve_scalar(properties.get("ConfigurationSetName"))
        return name or f"{LOCAL_STACK_NAME}-{logical_id.lower()}"

    def email_configuration_sets(self) -> dict[str, list[EventDestination]]:
        """Each SES configuration set by name, with its enabled event destinations (EventBridge, SNS)."""
        sets: dict[str, list[EventDestination]] = {
            self._email_configuration_set_name(logical_id): []
            for logical_id in self._resources_of_type(EMAIL_CONFIGURATION_SET_TYPE)
        }
        for properties in self._resources_of_type(EMAIL_EVENT_DESTINATION_TYPE).values():
            name = self.resolve_scalar(properties.get("ConfigurationSetName"))
            destination = properties.get("EventDestination") or {}
            if name not in sets or self.resolve_scalar(destination.get("Enabled")) == "false":
                continue
            bus = (destination.get("EventBridgeDestination") or {}).get("EventBusArn")
            topic = (destination.get("SnsDestination") or {}).get("TopicARN")
            sets[name] += self._destinations(
                {"eventbridge": bus, "sns": topic}, destination.get("MatchingEventTypes")
            )
        return sets

    def sms_configuration_sets(self) -> dict[str, list[EventDestination]]:
        """Each End User Messaging SMS configuration set by name, with its enabled SNS event destinations."""
        sets: dict[str, list[EventDestination]] = {}
        for logical_id, properties in self._resources_of_type(SMS_CONFIGURATION_SET_TYPE).items():
            destinations: list[EventDestination] = []
            for destination in properties.get("EventDestinations") or []:
                if self.resolve_scalar(destination.get("Enabled")) == "false":
                    continue
                topic = (destination.get("SnsDestination") or {}).get("TopicArn")
                destinations += self._destinations({"sns": topic}, destination.get("MatchingEventTypes"))
            sets[self._sms_configuration_set_name(logical_id)] = destinations
        return sets

    def _destinations(self, targets: Mapping[str, Any], event_types: Any) -> list[EventDestination]:
        """The destinations among `targets` (kind -> template value) that resolve locally."""
        types = frozenset(str(self.resolve_scalar(item)) for item in event_types or [])
        found: list[EventDestination] = []
        for kind, value in targets.items():
            resolved = self.resolve_scalar(value) if value is not None else None
            if resolved is not None:
                target = resolved.rsplit("event-bus/", 1)[-1] if kind == "eventbridge" else resolved
                found.append(EventDestination(kind, target, types))
        return found

    # Function events --------------------------------------------------------------------------------

    def function_events(self, event_type: str) -> list[FunctionEvent]:
        """Every function event of one `Type` (`Api`, `DynamoDB`, `EventBridgeRule`...), in template order."""
        found: list[FunctionEvent] = []
        for function_id, properties in self._resources_of_type(FUNCTION_TYPE).items():
            for event_name, event in (properties.get("Events") or {}).items():
                if event.get("Type") == event_type:
                    found.append(FunctionEvent(function_id, event_name, dict(event.get("Properties") or {})))
        return found

    # Functions --------------------------------------------------------------------------------------

    def functions(self) -> dict[str, FunctionSpec]:
        global_function = self._globals("Function")
        return {
            logical_id: self._function_spec(logical_id, properties, global_function)
            for logical_id, properties in self._resources_of_type(FUNCTION_TYPE).items()
        }

    def event_invoke_retries(self, function_id: str) -> int | None:
        """`EventInvokeConfig.MaximumRetryAttempts` of a function (Lambda's retries of an asynchronous
        invocation), or None when the template leaves it to Lambda's default."""
        properties = self._resources_of_type(FUNCTION_TYPE).get(function_id) or {}
        config = (
            properties.get("EventInvokeConfig") or self._globals("Function").get("EventInvokeConfig") or {}
        )
        retries = self.resolve_scalar(config.get("MaximumRetryAttempts"))
        return int(retries) if retries is not None else None

    def _function_spec(
        self, logical_id: str, properties: Mapping[str, Any], global_function: Mapping[str, Any]
    ) -> FunctionSpec:
        variables: dict[str, Any] = {
            **((global_function.get("Environment") or {}).get("Variables") or {}),
            **((properties.get("Environment") or {}).get("Variables") or {}),
        }
        environment: dict[str, str] = {}
        for name, value in variables.items():
            resolved = self.resolve_scalar(value)
            if resolved is not None:
                environment[name] = resolved
        code_uri = properties.get("CodeUri", global_function.get("CodeUri", "."))
        return FunctionSpec(
            logical_id=logical_id,
            code_dir=(self.root_dir / str(code_uri)).resolve(),
            handler=str(properties.get("Handler", global_function.get("Handler", ""))),
            environment=environment,
            timeout_seconds=int(
                properties.get("Timeout", global_function.get("Timeout", DEFAULT_TIMEOUT_SECONDS))
            ),
            memory_mb=int(properties.get("MemorySize", global_function.get("MemorySize", DEFAULT_MEMORY_MB))),
        )

    def resolve_scalar(self, value: Any) -> str | None:
        """A template value as the local stack sees it.

        `!Ref` to a table is the table's local name (its logical id), to an event bus its name, to a topic its
        ARN, to a bucket its name (`local_bucket_name`), to a KMS key its id (`local_key_id`), to an e-mail
        or SMS configuration set its name, to a parameter its local value (`parameters`, else its default);
        `!GetAtt` gives an event bus's `Name` and `Arn`, a topic's `TopicName` and `TopicArn`, a bucket's
        `Arn`, a key's `Arn` and `KeyId` and an SMS configuration set's `Arn`; `!If` follows the template's
        conditions and `!Sub` is filled in when every name in it resolves. What exists only in AWS (a
        secret, a table's ARN, a web ACL) resolves to None: the caller leaves it out.
        """
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str | int | float):
            return str(value)
        if isinstance(value, dict) and len(value) == 1:
            [(function, argument)] = value.items()
            intrinsics: dict[str, Callable[[Any], str | None]] = {
                "Ref": self._resolve_ref,
                "Fn::GetAtt": self._resolve_get_att,
                "Fn::If": self._resolve_if,
                "Fn::Sub": self._substitute,
            }
            if function in intrinsics:
                return intrinsics[function](argument)
        return None

    def resolve_intrinsics(self, value: Any) -> Any:
        """A JSON value (an event pattern) with every intrinsic in it resolved by `resolve_scalar`.

        Raises ValueError naming the first intrinsic that does not resolve locally.
        """
        if isinstance(value, list):
            return [self.resolve_intrinsics(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            [name] = value
            if name == "Ref" or str(name).startswith(_INTRINSIC_PREFIX):
                resolved = self.resolve_scalar(value)
                if resolved is None:
                    raise ValueError(f"{json.dumps(value)} does not resolve locally")
                return resolved
        return {key: self.resolve_intrinsics(item) for key, item in value.items()}

    def _resolve_if(self, argument: Any) -> str | None:
        if not isinstance(argument, list) or len(argument) != 3:
            return None
        return self.resolve_scalar(argument[1] if self.condition(str(argument[0])) else argument[2])

    def _resolve_ref(self, argument: Any) -> str | None:
        name = str(argument)
        resources: dict[str, Callable[[str], str]] = {
            TABLE_TYPE: str,
            EVENT_BUS_TYPE: self._event_bus_name,
            TOPIC_TYPE: lambda logical_id: self._topic(logical_id).arn,
            BUCKET_TYPE: lambda logical_id: self._bucket(logical_id).name,
            KMS_KEY_TYPE: local_key_id,
            EMAIL_CONFIGURATION_SET_TYPE: self._email_configuration_set_name,
            SMS_CONFIGURATION_SET_TYPE: self._sms_configuration_set_name,
        }
        for resource_type, resolve in resources.items():
            if name in self._resources_of_type(resource_type):
                return resolve(name)
        pseudo = {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::StackName": LOCAL_STACK_NAME,
            "AWS::Partition": "aws",
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters and name in self._parameters():
            return self.parameters[name]
        parameter = self._parameters().get(name)
        if parameter is not None and "Default" in parameter:
            return self.resolve_scalar(parameter["Default"])
        return None

    def _parameters(self) -> dict[str, Any]:
        declared: dict[str, Any] = self.document.get("Parameters") or {}
        return declared

    def _resolve_get_att(self, argument: Any) -> str | None:
        parts = argument.split(".", 1) if isinstance(argument, str) else argument
        if not isinstance(parts, list) or len(parts) != 2:
            return None
        logical_id, attribute = str(parts[0]), str(parts[1])
        attributes: dict[str, Callable[[str], dict[str, str]]] = {
            EVENT_BUS_TYPE: self._event_bus_attributes,
            TOPIC_TYPE: lambda topic_id: {
                "TopicName": self._topic(topic_id).name,
                "TopicArn": self._topic(topic_id).arn,
            },
            BUCKET_TYPE: lambda bucket_id: {"Arn": self._bucket(bucket_id).arn},
            KMS_KEY_TYPE: lambda key_id: {
                "Arn": KmsKeySpec(key_id, "").arn,
                "KeyId": KmsKeySpec(key_id, "").key_id,
            },
            SMS_CONFIGURATION_SET_TYPE: lambda set_id: {
                "Arn": f"arn:aws:sms-voice:{REGION}:{ACCOUNT_ID}:configuration-set/"
                + self._sms_configuration_set_name(set_id)
            },
        }
        for resource_type, of in attributes.items():
            if logical_id in self._resources_of_type(resource_type):
                return of(logical_id).get(attribute)
        return None

    def _event_bus_attributes(self, logical_id: str) -> dict[str, str]:
        name = self._event_bus_name(logical_id)
        return {"Name": name, "Arn": f"arn:aws:events:{REGION}:{ACCOUNT_ID}:event-bus/{name}"}

    def _substitute(self, text: Any) -> str | None:
        if not isinstance(text, str):
            return None
        names = re.findall(r"\$\{([^}!]+)\}", text)
        values = {
            name: self._resolve_get_att(name) if "." in name else self._resolve_ref(name) for name in names
        }
        if any(resolved is None for resolved in values.values()):
            return None
        return re.sub(r"\$\{([^}!]+)\}", lambda found: str(values[found.group(1)]), text)

    def condition(self, name: str) -> bool:
        """A named condition of the template, evaluated with the parameters' local values."""
        return self._evaluate((self.document.get("Conditions") or {}).get(name))

    def _evaluate(self, expression: Any) -> bool:
        if isinstance(expression, bool):
            return expression
        if not isinstance(expression, dict) or len(expression) != 1:
            return False
        [(function, argument)] = expression.items()
        items = argument if isinstance(argument, list) else [argument]
        if function == "Condition":
            return self.condition(str(argument))
        if function == "Fn::Equals" and len(items) == 2:
            left, right = (self.resolve_scalar(item) for item in items)
            return left is not None and left == right
        operators: dict[str, Callable[[list[bool]], bool]] = {
            "Fn::Not": lambda values: not values[0],
            "Fn::And": all,
            "Fn::Or": any,
        }
        if function not in operators or not items:
            return False
        return operators[function]([self._evaluate(item) for item in items])

    def app_table_name(self) -> str:
        """The application table: the one the functions' global TABLE_NAME names."""
        variables = (self._globals("Function").get("Environment") or {}).get("Variables") or {}
        return self.resolve_scalar(variables.get("TABLE_NAME")) or DEFAULT_APP_TABLE

    # API --------------------------------------------------------------------------------------------

    def stage_name(self, api_id: str | None = None) -> str:
        apis = self._resources_of_type(API_TYPE)
        properties = apis.get(api_id or "") or (next(iter(apis.values())) if apis else {})
        stage = properties.get("StageName", self._globals("Api").get("StageName", DEFAULT_STAGE))
        return str(stage)

    def _default_authorizer(self, api_id: str) -> str | None:
        properties = self._resources_of_type(API_TYPE).get(api_id)
        auth = (properties or {}).get("Auth") or self._globals("Api").get("Auth") or {}
        default = auth.get("DefaultAuthorizer")
        return None if default in (None, NO_AUTHORIZER) else str(default)

    def routes(self) -> list[ApiRoute]:
        routes: list[ApiRoute] = []
        for event in self.function_events("Api"):
            api_ref = event.properties.get("RestApiId")
            api_id = str(api_ref["Ref"]) if isinstance(api_ref, dict) else IMPLICIT_API_ID
            authorizer = self._default_authorizer(api_id)
            event_auth = event.properties.get("Auth") or {}
            if "Authorizer" in event_auth:
                named = event_auth["Authorizer"]
                authorizer = None if named == NO_AUTHORIZER else str(named)
            routes.append(
                ApiRoute(
                    method=str(event.properties["Method"]).upper(),
                    path=str(event.properties["Path"]),
                    function_id=event.function_id,
                    event_name=event.event_name,
                    authorizer=authorizer,
                )
            )
        return routes

    # Schedules --------------------------------------------------------------------------------------

    def schedules(self) -> list[ScheduleSpec]:
        return [
            ScheduleSpec(
                function_id=event.function_id,
                event_name=event.event_name,
                schedule_name=_optional_str(event.properties.get("Name")),
                expression=str(event.properties.get("ScheduleExpression", "")),
                timezone=_optional_str(event.properties.get("ScheduleExpressionTimezone")),
                input=_parse_input(event.properties.get("Input")),
                state=_optional_str(event.properties.get("State")),
            )
            for event in self.function_events("ScheduleV2")
        ]


def _optional_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _parse_input(value: Any) -> Any:
    """A schedule's `Input` is a JSON string in the template; anything else is kept as it is."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def parameter_overrides(text: str) -> dict[str, str]:
    """`Name=Value Name2=Value2` (SAM's `--parameter-overrides` form; an empty value is allowed)."""
    overrides: dict[str, str] = {}
    for pair in text.split():
        name, equals, value = pair.partition("=")
        if not equals or not name:
            raise TemplateError(f"{PARAMETER_OVERRIDES_VARIABLE}: {pair!r} is not Name=Value")
        overrides[name] = value
    return overrides


def _checked_parameters(document: Mapping[str, Any], overrides: Mapping[str, str]) -> dict[str, str]:
    """The overrides, each checked against its parameter's AllowedPattern and AllowedValues."""
    declared: Mapping[str, Any] = document.get("Parameters") or {}
    for name, value in overrides.items():
        parameter = declared.get(name)
        if parameter is None:
            raise TemplateError(f"{PARAMETER_OVERRIDES_VARIABLE}: template.yaml has no parameter {name}")
        pattern = parameter.get("AllowedPattern")
        allowed = parameter.get("AllowedValues")
        if (pattern is not None and not re.fullmatch(str(pattern), value)) or (
            allowed is not None and value not in [str(option) for option in allowed]
        ):
            raise TemplateError(f"{PARAMETER_OVERRIDES_VARIABLE}: {name} does not allow {value!r}")
    return dict(overrides)


def load_template(path: str | Path = TEMPLATE_PATH, overrides: Mapping[str, str] | None = None) -> Template:
    """The template with the local stack's parameters (`LOCAL_PARAMETERS` where the template declares them),
    then `LAPOR_PARAMETER_OVERRIDES`, then `overrides`. Raises TemplateError for an override CloudFormation
    would refuse."""
    resolved = Path(path).resolve()
    document = parse_template_text(resolved.read_text(encoding="utf-8"))
    declared = document.get("Parameters") or {}
    parameters = {name: value for name, value in LOCAL_PARAMETERS.items() if name in declared}
    parameters |= parameter_overrides(os.environ.get(PARAMETER_OVERRIDES_VARIABLE, ""))
    parameters |= overrides or {}
    return Template(path=resolved, document=document, parameters=_checked_parameters(document, parameters))
