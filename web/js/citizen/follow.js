// Following one report: its status, deadlines as working days left, timeline, attachments, and what the
// reporter may do now (confirm the contact, reply, complete, reopen, rate). Without the token: the public view,
// and a way to ask for an access link. An access link (`/laporan/<id>#token=…`) lands here: its token leaves
// the address bar as the page opens and is kept on the device once the API has accepted it.
import { html, useEffect, useRef, useState } from "../lib.js";
import { t } from "../i18n.js";
import { call, ApiError, uploadForm } from "../api.js";
import { Deadlines, ErrorSummary, Field, Notice, Page, StatusTag, Timeline, describedBy, fieldErrors } from "../ui.js";
import { dateTime, todayWib } from "../format.js";
import { CODES_PER_DAY, codesAskedToday, noteCodeAsked, saveReport, tokenFor } from "./device.js";

/** The token of an access link (`#token=`, or `?token=`), taken out of the address bar and the history. */
function tokenFromAddress() {
  const fragment = new URLSearchParams(location.hash.slice(1)).get("token");
  const query = new URLSearchParams(location.search).get("token");
  const token = fragment || query;
  if (token) history.replaceState(null, "", location.pathname);
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

// Reaching the reporter (API.md): the contact's confirmation with the 6-digit code sent at filing, a new code
// on request, and an access link for a reporter whose key is not on this device. (Kept in this module rather
// than its own: the filing page preloads this one, and a module more in the graph costs it a round trip.)
function contactOf(report) {
  return report.reporter?.email || report.reporter?.phone || "";
}

function failure(error) {
  if (!(error instanceof ApiError)) return t("errors.network");
  return error.message;
}

/** The step "Konfirmasi kontak Anda" while the contact is unconfirmed; once confirmed here, a success
 * notice; otherwise nothing (the details say "terkonfirmasi"). */
function ContactStep({ report, token, onDone }) {
  const [code, setCode] = useState("");
  const [errors, setErrors] = useState({});
  const [confirmedHere, setConfirmedHere] = useState(false);
  const [resent, setResent] = useState(false);
  const [asked, setAsked] = useState(() => codesAskedToday(report.id, todayWib()));
  const [busy, setBusy] = useState(false);
  const contact = contactOf(report);

  if (report.contact_confirmed) {
    return confirmedHere ? html`<${Notice} kind="ok"><strong>${t("contact.done.title")}</strong><br />${t("contact.done", { contact })}<//>` : null;
  }

  async function confirm(event) {
    event.preventDefault();
    const given = code.replace(/[\s-]/g, "");
    if (!/^\d{6}$/.test(given)) return setErrors({ code: t("contact.code.format") });
    setBusy(true);
    try {
      await call(`/reports/${report.id}/contact/confirm`, { method: "POST", reportToken: token, body: { code: given } });
      setErrors({});
      setConfirmedHere(true);
      onDone();
    } catch (error) {
      if (error instanceof ApiError && error.code === "invalid_code") setErrors({ code: t("contact.code.wrong") });
      else if (error instanceof ApiError && error.code === "code_void") setErrors({ void: t("contact.code.void") });
      else if (error instanceof ApiError && error.status === 422) setErrors(fieldErrors(error, ["code"]));
      else setErrors({ _: failure(error) });
    } finally {
      setBusy(false);
    }
  }

  async function resend() {
    setBusy(true);
    try {
      await call(`/reports/${report.id}/contact/code`, { method: "POST", reportToken: token, body: {} });
      noteCodeAsked(report.id, todayWib());
      setAsked(codesAskedToday(report.id, todayWib()));
      setResent(true);
      setErrors({});
      setCode("");
    } catch (error) {
      setErrors({ resend: failure(error) });
    } finally {
      setBusy(false);
    }
  }

  const spent = asked >= CODES_PER_DAY;
  const fieldError = errors.code || errors.void;
  return html`<section class="step-box" aria-labelledby="contact-title">
    <h2 id="contact-title">${t("contact.title")}</h2>
    <p>${t("contact.lead", { contact })}</p>
    <p>${t("contact.why")}</p>
    ${resent && html`<${Notice} kind="ok">${t("contact.resent", { contact })}<//>`}
    <${ErrorSummary} errors=${errors} fields=${{ code: "f-code", void: "contact-resend", resend: "contact-resend", _: "f-code" }} />
    <form novalidate onSubmit=${confirm}>
      <${Field} id="f-code" label=${t("contact.code")} hint=${t("contact.code.hint")} error=${fieldError}>
        <input type="text" id="f-code" class="short" inputmode="numeric" autocomplete="one-time-code" spellcheck="false"
          value=${code} onInput=${(e) => setCode(e.target.value)} aria-describedby=${describedBy("f-code", true, fieldError)} />
      <//>
      <button type="submit" disabled=${busy}>${t("contact.confirm")}</button>
    </form>
    <h3>${t("contact.none")}</h3>
    ${spent
      ? html`<p id="contact-resend" tabindex="-1"><strong>${t("contact.spent", { n: CODES_PER_DAY })}</strong></p>`
      : html`<p class="hint" id="contact-resend-hint">${t("contact.resend.hint", { n: CODES_PER_DAY })}</p>
        ${errors.resend && html`<p class="error-message">${errors.resend}</p>`}
        <button type="button" id="contact-resend" class="secondary" disabled=${busy} onClick=${resend} aria-describedby="contact-resend-hint">${t("contact.resend")}</button>`}
  </section>`;
}

/** Asking for an access link (POST /reports/{id}/access): it goes only to a confirmed contact, and the answer
 * is the same whether or not one exists. */
function AccessRequest({ id }) {
  const [state, setState] = useState(null);
  async function ask() {
    setState({ busy: true });
    try {
      await call(`/reports/${encodeURIComponent(id)}/access`, { method: "POST", body: {} });
      setState({ sent: true });
    } catch (error) {
      setState({ failed: failure(error) });
    }
  }
  return html`<div class="access-request">
    <p>${t("access.lead")}</p>
    <p>${t("access.privacy")}</p>
    <p>${t("access.old_key")}</p>
    ${state?.sent && html`<${Notice} kind="ok">${t("access.sent", { id })}<//>`}
    ${state?.failed && html`<${Notice} kind="error">${state.failed}<//>`}
    <button type="button" class="secondary" disabled=${state?.busy} onClick=${ask}>${t("access.ask")}</button>
  </div>`;
}

export function FollowPage({ id }) {
  const [linked, setLinked] = useState(tokenFromAddress);
  const [token, setToken] = useState(() => linked || tokenFor(id));
  const [link, setLink] = useState(null); // what became of an access link's token: "kept" or "void"
  const kept = useRef(false);
  useEffect(() => {
    // A link opened while this page is already showing the report changes only the fragment.
    const follow = () => {
      const fresh = tokenFromAddress();
      if (!fresh) return;
      kept.current = false;
      setLink(null);
      setLinked(fresh);
      setToken(fresh);
    };
    window.addEventListener("hashchange", follow);
    return () => window.removeEventListener("hashchange", follow);
  }, []);
  const [report, setReport] = useState(null);
  const [problem, setProblem] = useState(null);
  const [revision, setRevision] = useState(0);

  useEffect(() => {
    call(`/reports/${encodeURIComponent(id)}`, { reportToken: token })
      .then((r) => {
        if (token && token === linked && r.reporter && !kept.current) {
          kept.current = true;
          saveReport(id, linked, r.title);
          setLink("kept");
        }
        setReport(r);
        setProblem(null);
      })
      .catch((error) => {
        if (error instanceof ApiError && error.status === 401 && token && token === linked) {
          // A newer link replaced this one: fall back to the key this device holds, if any.
          const held = tokenFor(id);
          setLink("void");
          setToken(held && held !== linked ? held : null);
          return;
        }
        setReport(null);
        setProblem(error instanceof ApiError ? (error.status === 401 ? "bad_token" : "not_found") : "network");
      });
  }, [id, revision, token, linked]);

  const reload = () => setRevision((n) => n + 1);
  const title = t("follow.title", { id });
  const linkNotice = link && html`<${Notice} kind=${link === "kept" ? "ok" : "warn"}>${t("follow.link." + link)}<//>`;
  if (problem) {
    return html`<${Page} title=${title}>
      ${linkNotice}
      <${Notice} kind="error">${t(problem === "network" ? "errors.network" : "follow." + problem)}<//>
      ${problem !== "network" && html`<section aria-labelledby="access-title">
        <h2 id="access-title">${t("access.title")}</h2>
        <${AccessRequest} id=${id} />
      </section>`}
    <//>`;
  }
  if (!report) return html`<${Page} title=${title}><p>${t("loading")}</p><//>`;
  const own = Boolean(report.reporter);
  return html`<${Page} title=${title}>
    ${linkNotice}
    ${own && html`<${ContactStep} report=${report} token=${token} onDone=${reload} />`}
    ${!own && html`<${Notice}>${t("follow.public_view")}<//>
      <details><summary>${t("access.title")}</summary><${AccessRequest} id=${id} /></details>`}
    <div class="grid2"><div>
      <h2>${t("follow.status")}</h2>
      <p><${StatusTag} report=${report} /></p>
      <h2>${t("follow.deadlines")}</h2>
      <${Deadlines} deadlines=${report.deadlines} />
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
        ${own && contactOf(report) && html`<div><dt>${t("follow.contact")}</dt><dd>${contactOf(report)} · ${report.contact_confirmed ? t("follow.contact.confirmed") : t("follow.contact.unconfirmed")}</dd></div>`}
      </dl>
      <${Attachments} report=${report} token=${own ? token : null} onDone=${reload} />
    </div></div>
  <//>`;
}
