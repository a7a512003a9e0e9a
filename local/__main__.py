"""`make run`: serve the API on 127.0.0.1:$PORT (default 3000) until Ctrl-C or SIGTERM.

The first signal stops the stack: no new connection, the requests in progress answered, the scheduler's
job finished, the data kept. Signals that come while it stops (`make` passes Ctrl-C on, and a terminal sends
it to the whole group) do not interrupt that.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

from local.banner import banner, messages_line
from local.gateway.server import HOST, GatewayServer, build_gateway, make_gateway_server
from local.paths import OPENAPI_PATH
from local.persistence.data_dir import DataDirInUseError, resolve_data_dir
from local.persistence.store import StoreError
from local.scheduler.clock import Scheduler, SchedulerSettings, SchedulerSettingsError
from local.scheduler.jobs import JobRunner
from local.stack import DEFAULT_PORT, LocalBackend
from local.template import SMS_ORIGINATION_PARAMETER, Template, TemplateError, load_template
from local.web_server import WebServer, start_web_server, web_port

SCHEDULER_STOP_SECONDS = 30.0
ANSWERING_STOP_SECONDS = 30.0


def _stop(signum: int, frame: FrameType | None) -> None:
    # Not SIG_IGN: a signal that arrived at the same moment still runs its Python handler, which must be one.
    signal.signal(signal.SIGINT, _stopping)
    signal.signal(signal.SIGTERM, _stopping)
    raise KeyboardInterrupt


def _stopping(signum: int, frame: FrameType | None) -> None:
    return None


def main() -> int:
    # Set here also for a stack started in the background by a shell, which makes a child ignore SIGINT.
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        return _serve()
    except KeyboardInterrupt:
        print("local: stopping", file=sys.stderr)
        return 0


def _serve() -> int:
    port = int(os.environ.get("PORT") or DEFAULT_PORT)
    try:
        scheduler_settings = SchedulerSettings.from_environment()
    except SchedulerSettingsError as error:
        print(f"local: {error}", file=sys.stderr)
        return 1
    try:
        template = load_template()
    except TemplateError as error:
        print(f"local: {error}", file=sys.stderr)
        return 1
    data_dir = resolve_data_dir()
    # Listening first: the functions' presigned links and forms point at the gateway's own address.
    try:
        server = make_gateway_server(port)
    except OSError as error:
        print(
            f"local: cannot listen on {HOST}:{port}: {error.strerror} (set PORT to another port)",
            file=sys.stderr,
        )
        return 1
    # The web app next: the links in the functions' messages point at it.
    web = start_web_server(server.base_url, web_port(port))
    try:
        backend = LocalBackend.start(
            template,
            data_dir,
            public_url=server.base_url,
            web_url=web.base_url if web is not None else None,
        )
    except (DataDirInUseError, StoreError) as error:
        _close(server, web)
        print(f"local: {error}", file=sys.stderr)
        return 1
    except BaseException:
        _close(server, web)
        raise
    scheduler = Scheduler(
        template.schedules(),
        JobRunner(backend.functions, backend.consequences.run),
        scheduler_settings.period_seconds,
    )
    try:
        server.gateway = build_gateway(
            template, backend.functions, backend.secret, OPENAPI_PATH, backend.consequences.run, s3=backend.s3
        )
        _print_banner(server, backend, template, scheduler, scheduler_settings, web)
        if scheduler_settings.enabled:
            scheduler.start()
        server.serve_forever()
    except KeyboardInterrupt:
        print("local: stopping", file=sys.stderr)
    finally:
        server.server_close()
        scheduler.stop(timeout=SCHEDULER_STOP_SECONDS)
        server.wait_idle(ANSWERING_STOP_SECONDS)
        if web is not None:
            web.stop()
        backend.stop()
    return 0


def _close(server: GatewayServer, web: WebServer | None) -> None:
    server.server_close()
    if web is not None:
        web.stop()


def _print_banner(
    server: GatewayServer,
    backend: LocalBackend,
    template: Template,
    scheduler: Scheduler,
    settings: SchedulerSettings,
    web: WebServer | None,
) -> None:
    print(
        banner(
            server.base_url,
            backend.data_dir or resolve_data_dir(),
            backend.store,
            list(template.functions().values()),
            len(template.routes()),
            backend.triggers,
            scheduled_jobs=[schedule.job_name for schedule in scheduler.schedules],
            scheduler_period_seconds=scheduler.period_seconds if settings.enabled else None,
            buckets=[bucket.name for bucket in template.buckets()],
            s3_objects_restored=backend.s3_objects_restored,
            web_url=web.base_url if web is not None else None,
            messages=messages_line(template.resolve_scalar({"Ref": SMS_ORIGINATION_PARAMETER})),
        ),
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
