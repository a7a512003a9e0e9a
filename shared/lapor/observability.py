"""Logger and Metrics, built once and imported everywhere; the Tracer only when tracing is on.

Powertools' Tracer imports the X-Ray SDK, which a cold start with tracing off should not pay for, so
`instrument` imports it only when `POWERTOOLS_TRACE_DISABLED=false`. Nothing here logs an event or a body:
they may hold personal data.
"""

from __future__ import annotations

import os
import traceback
import warnings
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.metrics import Metrics

from lapor.settings import tracing_enabled

# A route that records no metric is normal here; Powertools would warn on every such invocation.
warnings.filterwarnings("ignore", message="No application metrics to publish")

logger = Logger(log_uncaught_exceptions=False)
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Lapor"))

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def instrument(handler: Handler) -> Handler:
    """Wrap a Lambda handler with structured logging, metrics flushing and (when on) tracing."""
    wrapped: Handler = logger.inject_lambda_context(clear_state=True)(handler)
    wrapped = metrics.log_metrics(wrapped)
    if tracing_enabled(os.environ):
        from aws_lambda_powertools.tracing import Tracer

        wrapped = Tracer().capture_lambda_handler(wrapped, capture_response=False)
    return wrapped


def log_unexpected(error: BaseException) -> None:
    """Log an unexpected error by type and stack frames only: its message may quote personal data."""
    logger.error(
        "unexpected error",
        extra={
            "error_type": type(error).__name__,
            "frames": traceback.format_tb(error.__traceback__)[-8:],
        },
    )
