"""The REST resolver every HTTP function builds: validation on, the API's error shape, guards first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.utilities.typing import LambdaContext

from lapor.http.cors import with_cors
from lapor.http.errors import register_error_handlers
from lapor.http.guard import refusal


def make_resolver() -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(enable_validation=True)
    register_error_handlers(app)
    return app


def make_router() -> APIGatewayRouter:
    """A part of a resolver's routes (one concern); the resolver includes it and its error handlers apply."""
    router: APIGatewayRouter = APIGatewayRouter()  # type: ignore[no-untyped-call]
    return router


def guarded(app: APIGatewayRestResolver) -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
    """`app.resolve` after the size and content-type checks, with CORS (`lapor.http.cors`)."""

    def resolve(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        refused = refusal(event)
        if refused is not None:
            return refused
        return app.resolve(event, context)

    return with_cors(app, resolve)
