// Following one report: its status, deadlines as working days left, timeline, attachments, and what the
// reporter may do now (reply, complete, reopen, rate). Without the token: the public view.
//
// The contact confirmation ("Reaching the reporter": POST /reports/{id}/contact/confirm and /contact/code)
// gets its own section here once those routes exist: `ReporterSteps` is where it goes.
import { html, useEffect, useState } from "../lib.js";
import { t } from "../i18n.js";
import { call, ApiError, uploadForm } from "../api.js";
import { Deadlines, ErrorSummary, Field, Notice, Page, StatusTag, Timeline, fieldErrors } from "../ui.js";
import { dateTime } from "../format.js";
import { saveReport, tokenFor } from "./device.js";

function tokenFromAddress(id) {
  const fragment = new URLSearchParams(location.hash.slice(1)).get("token");
  const query = new URLSearchParams(location.search).get("token");
  const token = fragment || query;
  if (token) {
    saveReport(id, token, "");
    history.replaceState(null, "", location.pathname); // the token leaves the address bar (and the history)
  }
  return token;
}

function ReplyForm({ report, token, onDone }) {
  const [message, setMessage] = useState("");
  const [errors, setErrors] = useState({});
  const [done, setDone] = useState("");
  async function send(event, reopen = false) {
    event.preventDefault();
    if (!message.trim()) return setErrors({ message: t("follow.reply.hint") });
    try {
      await call(`/reports/${report.id}/replies`, { method: "POST", reportToken: token, body: { message: message.trim(), ...(reopen ? { reopen: true } : {}) } });
      setMessage("");
      setErrors({});
      setDone(t("follow.reply.sent"));
      onDone();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      setErrors(fieldErrors(error, ["message"]));
    }
  }
  const canReply = ["SUBMITTED", "PENDING", "DISPOSED", "IN_PROGRESS"].includes(report.status);
  const canReopen = report.status === "DONE";
  if (!canReply && !canReopen) return null;
  return html`<section aria-labelledby="reply-title">
    <h2 id="reply-title">${canReopen ? t("follow.reopen") : t("follow.reply")}</h2>
    ${report.status === "PENDING" && html`<${Notice} kind="warn">${t("follow.reply.pending")}<//>`}
    ${done && html`<${Notice} kind="ok">${done}<//>`}
    <${ErrorSummary} errors=${errors} fields=${{ message: "f-message", _: "f-message" }} />
    <form novalidate onSubmit=${(e) => send(e, canReopen)}>
      <${Field} id="f-message" label=${t("follow.reply.label")} hint=${canReopen ? t("follow.reopen.hint") : t("follow.reply.hint")} error=${errors.message || errors._}>
        <textarea id="f-message" rows="4" maxlength="4000" value=${message} onInput=${(e) => setMessage(e.target.value)} aria-describedby="f-message-hint"></textarea>
      <//>
      <button type="submit" class=${canReopen ? "secondary" : ""}>${canReopen ? t("follow.reopen") : t("follow.reply")}</button>
    </form>
  </section>`;
}

function RatingForm({ report, token, onDone }) {
  const [score, setScore] = useState("");
  const [resolved, setResolved] = useState("");
  const [comment, setComment] = useState("");
  const [errors, setErrors] = useState({});
  if (report.rating) {
    const r = report.rating;
    return html`<section aria-labelledby="rate-title"><h2 id="rate-title">${t("follow.rate")}</h2>
      <p>${t("follow.rated", { score: r.score, resolved: r.resolved ? t("follow.rated.yes") : t("follow.rated.no") })}</p>
      ${r.comment && html`<p>${r.comment}</p>`}</section>`;
  }
  if (report.status !== "DONE") return null;
  async function send(event) {
    event.preventDefault();
    const problems = {};
    if (!score) problems.score = t("follow.rate.score");
    if (!resolved) problems.resolved = t("follow.rate.resolved");
    setErrors(problems);
    if (Object.keys(problems).length) return;
    try {
      await call(`/reports/${report.id}/rating`, { method: "POST", reportToken: token, body: { score: Number(score), resolved: resolved === "yes", ...(comment.trim() ? { comment: comment.trim() } : {}) } });
      onDone();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      setErrors(fieldErrors(error, ["score", "resolved", "comment"]));
    }
  }
  return html`<section aria-labelledby="rate-title">
    <h2 id="rate-title">${t("follow.rate")}</h2>
    <${ErrorSummary} errors=${errors} fields=${{ score: "f-score-1", resolved: "f-resolved-yes", comment: "f-comment" }} />
    <form novalidate onSubmit=${send}>
      <fieldset class=${errors.score ? "error-field" : ""}>
        <legend>${t("follow.rate.score")}</legend>
        <div class="stars">${[1, 2, 3, 4, 5].map((n) => html`<div class="choice">
          <input type="radio" name="score" id=${"f-score-" + n} value=${n} checked=${score === String(n)} onChange=${(e) => setScore(e.target.value)} />
          <label for=${"f-score-" + n}>${t("follow.rate.score.n", { n })}</label></div>`)}</div>
      </fieldset>
      <fieldset class=${errors.resolved ? "error-field" : ""}>
        <legend>${t("follow.rate.resolved")}</legend>
        ${["yes", "no"].map((v) => html`<div class="choice">
          <input type="radio" name="resolved" id=${"f-resolved-" + v} value=${v} checked=${resolved === v} onChange=${(e) => setResolved(e.target.value)} />
          <label for=${"f-resolved-" + v}>${v === "yes" ? t("check.yes") : t("check.no")}</label></div>`)}
      </fieldset>
      <${Field} id="f-comment" label=${t("follow.rate.comment")} error=${errors.comment}>
        <textarea id="f-comment" rows="3" maxlength="1000" value=${comment} onInput=${(e) => setComment(e.target.value)}></textarea>
      <//>
      <button type="submit">${t("follow.rate.send")}</button>
    </form>
  </section>`;
}

function Attachments({ report, token, onDone }) {
  const [file, setFile] = useState(null);
  const [message, setMessage] = useState(null);
  const items = report.attachments || [];
  async function upload(event) {
    event.preventDefault();
    if (!file) return;
    try {
      const form = await call(`/reports/${report.id}/attachments`, { method: "POST", reportToken: token, body: { content_type: file.type, size: file.size } });
      await uploadForm(form.upload, file);
      setMessage({ kind: "ok", text: t("follow.uploaded") });
      onDone();
    } catch (error) {
      setMessage({ kind: "error", text: error instanceof ApiError ? error.message : t("errors.network") });
    }
  }
  return html`<section aria-labelledby="files-title">
    <h2 id="files-title">${t("follow.attachments")}</h2>
    ${items.length === 0 && html`<p class="muted">${t("follow.attachments.none")}</p>`}
    <ul>${items.map((a, i) => html`<li>
      ${a.download_url ? html`<a href=${a.download_url}>${t("follow.attachment.open", { n: i + 1 })}</a>` : t("follow.attachment.open", { n: i + 1 })}
      <span class="muted"> · ${a.content_type} · ${a.status === "ready" ? dateTime(a.uploaded_at) : a.status === "pending" ? t("follow.attachment.pending") : t("follow.attachment.rejected")}</span>
    </li>`)}</ul>
    ${token && items.length < 5 && html`<form onSubmit=${upload}>
      ${message && html`<${Notice} kind=${message.kind}>${message.text}<//>`}
      <${Field} id="f-add-photo" label=${t("follow.add_photo")} hint=${t("f.photos.hint")}>
        <input type="file" id="f-add-photo" accept="image/jpeg,image/png" onChange=${(e) => setFile(e.target.files[0] || null)} aria-describedby="f-add-photo-hint" />
      <//>
      <button type="submit" class="secondary">${t("follow.upload")}</button>
    </form>`}
  </section>`;
}

/** The reporter's own steps beside the casework: the contact confirmation goes here when its routes land. */
function ReporterSteps() {
  return null;
}

export function FollowPage({ id }) {
  const [token] = useState(() => tokenFromAddress(id) || tokenFor(id));
  const [report, setReport] = useState(null);
  const [problem, setProblem] = useState(null);
  const [revision, setRevision] = useState(0);

  useEffect(() => {
    call(`/reports/${encodeURIComponent(id)}`, { reportToken: token })
      .then((r) => {
        setReport(r);
        setProblem(null);
      })
      .catch((error) => setProblem(error instanceof ApiError ? (error.status === 401 ? t("follow.bad_token") : t("follow.not_found")) : t("errors.network")));
  }, [id, revision]);

  const reload = () => setRevision((n) => n + 1);
  if (problem) return html`<${Page} title=${t("follow.title", { id })}><${Notice} kind="error">${problem}<//><//>`;
  if (!report) return html`<${Page} title=${t("follow.title", { id })}><p>${t("loading")}</p><//>`;
  const own = Boolean(report.reporter);
  return html`<${Page} title=${t("follow.title", { id })}>
    ${!own && html`<${Notice}>${t("follow.public_view")}<//>`}
    <div class="grid2"><div>
      <h2>${t("follow.status")}</h2>
      <p><${StatusTag} report=${report} /></p>
      <h2>${t("follow.deadlines")}</h2>
      <${Deadlines} deadlines=${report.deadlines} />
      ${own && html`<${ReporterSteps} report=${report} token=${token} onDone=${reload} />`}
      ${own && html`<${ReplyForm} report=${report} token=${token} onDone=${reload} />`}
      ${own && html`<${RatingForm} report=${report} token=${token} onDone=${reload} />`}
      <h2>${t("follow.timeline")}</h2>
      <${Timeline} entries=${report.timeline} />
    </div><div>
      <h2>${t("follow.details")}</h2>
      <h3>${report.title}</h3>
      <p>${report.description}</p>
      <dl class="summary-list">
        <div><dt>${t("f.type")}</dt><dd>${t("type." + report.type)}</dd></div>
        <div><dt>${t("follow.category")}</dt><dd>${report.category ? report.category.name : "–"}</dd></div>
        <div><dt>${t("follow.agency")}</dt><dd>${report.agency ? report.agency.name : t("follow.agency.none")}</dd></div>
        <div><dt>${t("follow.location")}</dt><dd>${report.location ? [report.location.address, report.location.kecamatan].filter(Boolean).join(", ") || `${report.location.lat}, ${report.location.lon}` : "–"}</dd></div>
        <div><dt>${t("follow.submitted")}</dt><dd>${dateTime(report.submitted_at)}</dd></div>
        ${own && html`<div><dt>${t("follow.reporter")}</dt><dd>${report.reporter.name}${report.anonymous ? ` (${t("f.anonymous")})` : ""}</dd></div>`}
      </dl>
      <${Attachments} report=${report} token=${own ? token : null} onDone=${reload} />
    </div></div>
  <//>`;
}
