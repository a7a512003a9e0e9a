"""`make run`: serve the API on 127.0.0.1:$PORT (default 3000) until Ctrl-C."""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

from local.banner import banner
from local.data_dir import DataDirInUseError, resolve_data_dir
from local.gateway import HOST, build_gateway, make_gateway_server
from local.paths import OPENAPI_PATH
from local.persistence import StoreError
from local.scheduled_jobs import JobRunner
from local.scheduler import Scheduler, SchedulerSettings, SchedulerSettingsError
from local.stack import DEFAULT_PORT, LocalBackend
from local.template import load_template
from local.web_server import start_web_server, web_port

SCHEDULER_STOP_SECONDS = 30.0


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> int:
    port = int(os.environ.get("PORT") or DEFAULT_PORT)
    try:
        scheduler_settings = SchedulerSettings.from_environment()
    except SchedulerSettingsError as error:
        print(f"local: {error}", file=sys.stderr)
        return 1
    template = load_template()
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
    base_url = server.base_url
    try:
        backend = LocalBackend.start(template, data_dir, public_url=base_url)
    except (DataDirInUseError, StoreError) as error:
        server.server_close()
        print(f"local: {error}", file=sys.stderr)
        return 1
    except BaseException:
        server.server_close()
        raise
    server.gateway = build_gateway(
        template,
        backend.functions,
        backend.secret,
        OPENAPI_PATH,
        backend.consequences.run,
        s3=backend.s3,
    )
    web = start_web_server(base_url, web_port(port))
    # Also when started in the background by a shell, which makes a child ignore SIGINT.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    functions = list(template.functions().values())
    scheduler = Scheduler(
        template.schedules(),
        JobRunner(backend.functions, backend.consequences.run),
        scheduler_settings.period_seconds,
    )
    print(
        banner(
            base_url,
            data_dir,
            backend.store,
            functions,
            len(template.routes()),
            backend.triggers,
            scheduled_jobs=[schedule.job_name for schedule in scheduler.schedules],
            scheduler_period_seconds=scheduler.period_seconds if scheduler_settings.enabled else None,
            buckets=[bucket.name for bucket in template.buckets()],
            s3_objects_restored=backend.s3_objects_restored,
            web_url=web.base_url if web is not None else None,
        ),
        flush=True,
    )
    try:
        if scheduler_settings.enabled:
            scheduler.start()
        server.serve_forever()
    except KeyboardInterrupt:
        print("local: stopping", file=sys.stderr)
    finally:
        scheduler.stop(timeout=SCHEDULER_STOP_SECONDS)
        if web is not None:
            web.stop()
        server.server_close()
        backend.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
