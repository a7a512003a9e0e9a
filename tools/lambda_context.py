"""A Lambda context object with the attributes and method that the Python runtime provides."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

from local.aws.environment import ACCOUNT_ID, REGION


def function_arn(function_name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function_name}"


@dataclass
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int
    timeout_seconds: int
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = field(init=False)
    log_group_name: str = field(init=False)
    log_stream_name: str = field(init=False)
    _deadline: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.invoked_function_arn = function_arn(self.function_name)
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = f"{time.strftime('%Y/%m/%d')}/[{self.function_version}]{uuid.uuid4().hex}"
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        """Counts down from the function's Timeout, as in Lambda (nothing stops a handler that overruns)."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))
