"""What `make run` prints once it serves: where things are and how to try them."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from local.aws.s3.endpoint import S3_PREFIX
from local.aws.ses import SIMULATOR_DOMAIN
from local.lambdas.triggers import Triggers
from local.paths import REPO_ROOT
from local.persistence.store import StoreSummary
from local.scheduler.clock import PERIOD_VARIABLE, SCHEDULER_VARIABLE
from local.template import PARAMETER_OVERRIDES_VARIABLE, FunctionSpec

SAMPLE_REPORT = {
    "type": "complaint",
    "title": "Lampu jalan mati",
    "description": "Lampu penerangan jalan di depan sekolah mati sejak seminggu.",
    "category": "pju",
    "reporter": {"name": "Siti", "email": "siti@example.id"},
}


def _shown(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


def _triggers_line(triggers: Triggers) -> str:
    streams = ", ".join(f"{t.table_name} stream -> {t.function_id}" for t in triggers.streams)
    rules = ", ".join(f"{t.bus_name} rule -> {t.function_id}" for t in triggers.rules)
    topics = ", ".join(f"{t.topic_arn.rsplit(':', 1)[-1]} topic -> {t.function_id}" for t in triggers.topics)
    return "; ".join(part for part in (streams, rules, topics) if part) or "none"


def _scheduler_line(base_url: str, job_names: list[str], period_seconds: float | None) -> str:
    if not job_names:
        return "none (no ScheduleV2 event in template.yaml)"
    jobs = ", ".join(job_names)
    run_now = f"run one now: POST {base_url}/_local/jobs/{job_names[0]}"
    if period_seconds is None:
        return f"off ({SCHEDULER_VARIABLE}=off): {jobs} run only when asked; {run_now}"
    return (
        f"{jobs} every {period_seconds:g} s on the real clock ({PERIOD_VARIABLE} sets the period, "
        f"{SCHEDULER_VARIABLE}=off stops it); {run_now}"
    )


def messages_line(sms_origination: str | None) -> str:
    """How the local e-mail and SMS channels behave (README, "Make a channel fail")."""
    sms = (
        "SMS from a stand-in number"
        if sms_origination
        else f"no SMS (SmsOriginationIdentityArn is empty in {PARAMETER_OVERRIDES_VARIABLE})"
    )
    return (
        f"e-mail and {sms} go to the outbox, delivered; bounce@{SIMULATOR_DOMAIN}, "
        f"complaint@{SIMULATOR_DOMAIN} and 0800 numbers fail"
    )


def _s3_line(base_url: str, buckets: list[str], restored: int | None) -> str:
    if not buckets:
        return f"{base_url}{S3_PREFIX}   (no AWS::S3::Bucket in template.yaml)"
    kept = "" if restored is None else f", {restored} object{'' if restored == 1 else 's'} restored"
    return f"{base_url}{S3_PREFIX}   (presigned uploads and downloads; {', '.join(buckets)}{kept})"


def banner(
    base_url: str,
    data_dir: Path,
    store: StoreSummary,
    functions: list[FunctionSpec],
    route_count: int,
    triggers: Triggers | None = None,
    scheduled_jobs: list[str] | None = None,
    scheduler_period_seconds: float | None = None,
    buckets: list[str] | None = None,
    s3_objects_restored: int | None = None,
    web_url: str | None = None,
    messages: str | None = None,
) -> str:
    """`scheduled_jobs`: the jobs' names, None to leave the scheduler out; a None period: it is off.
    `buckets`: the template's buckets, None to leave the S3 line out. `messages`: how e-mail and SMS go."""
    report = shlex.quote(json.dumps(SAMPLE_REPORT, ensure_ascii=False))
    if store.fresh:
        data_state = "new, seeded from seed/sukabumi.json"
    else:
        data_state = (
            f"{store.item_count} items restored in {store.seconds:.1f} s, "
            f"{store.replayed} logged writes applied"
        )
    lines = [
        "",
        "Lapor local stack is up.",
        *(
            [f"  Web app      {web_url}   (citizen portal; staff console at {web_url}staff/)"]
            if web_url
            else []
        ),
        f"  API          {base_url}   ({route_count} routes from template.yaml)",
        f"  Swagger UI   {base_url}/docs",
        f"  Health       {base_url}/health",
        f"  Data         {_shown(data_dir)} ({data_state}); stop, then delete the folder to reset",
        f"  Outbox       {base_url}/_local/outbox   (dead letters: {base_url}/_local/dead-letters)",
        *([f"  Messages     {messages}"] if messages else []),
    ]
    if buckets is not None:
        lines.append(f"  S3           {_s3_line(base_url, buckets, s3_objects_restored)}")
    if triggers is not None:
        lines.append(f"  Triggers     {_triggers_line(triggers)}; run before each answer returns")
    if scheduled_jobs is not None:
        lines.append(f"  Scheduler    {_scheduler_line(base_url, scheduled_jobs, scheduler_period_seconds)}")
    lines += [
        "",
        "File a report:",
        f"  curl -s -X POST {base_url}/reports -H 'Content-Type: application/json' \\",
        f"    -d {report}",
        "Read it back with the id and access_token of that answer:",
        f"  curl -s {base_url}/reports/<id> -H 'X-Report-Token: <access_token>'",
        "A staff token (coordinator, operator, official, leadership; operator and official need agency_id):",
        f"  curl -s -X POST {base_url}/_local/token -H 'Content-Type: application/json' "
        """-d '{"role": "coordinator"}'""",
    ]
    missing = [function for function in functions if function.handler_file_missing]
    if missing:
        lines.append("")
        for function in missing:
            lines.append(
                f"  Not yet written: {function.logical_id} ({function.handler}); its routes answer 502, "
                "its triggers are skipped."
            )
    lines += ["", "Ctrl-C stops.", ""]
    return "\n".join(lines)
