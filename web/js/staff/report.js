// One report for an officer: its details, deadlines and timeline, the messages sent to the reporter and what
// became of each, the actions this officer's role may take on it now, the audited identity reveal, and the
// coordinator's personal-data actions (redacting words, erasing the identity). Every change sends If-Match with
// the version read; a conflict is explained, the report reloaded, and what the officer typed is kept.
import { html, useEffect, useRef, useState } from "../lib.js";
import { t } from "../i18n.js";
import { call, ApiError } from "../api.js";
import { Deadlines, ErrorSummary, Field, Notice, Page, StatusTag, Timeline, fieldErrors } from "../ui.js";
import { dateTime } from "../format.js";

const TYPES = ["complaint", "aspiration", "information_request"];
const AGENCY_ROLES = ["operator", "official"];

// Who may do what from which status (DESIGN.md §2); the API decides, this only keeps the page to what may work.
const ACTIONS = [
  { name: "verify", path: "verify", roles: ["coordinator"], from: ["SUBMITTED"] },
  { name: "forward", path: "forward", roles: ["coordinator"], from: ["DISPOSED", "IN_PROGRESS"] },
  { name: "followup", path: "followups", roles: AGENCY_ROLES, from: ["DISPOSED", "IN_PROGRESS"], agency: true },
  { name: "note", path: "followups", roles: AGENCY_ROLES, from: ["DISPOSED", "IN_PROGRESS"], agency: true },
  { name: "close", path: "close", roles: ["official", "coordinator"], from: ["IN_PROGRESS"], agency: true },
  { name: "return", path: "return", roles: AGENCY_ROLES, from: ["DISPOSED"], agency: true },
  { name: "suspend", path: "suspend", roles: ["coordinator"], from: ["SUBMITTED"] },
  { name: "refer", path: "refer", roles: ["coordinator"], from: ["SUBMITTED"] },
  { name: "archive", path: "archive", roles: ["coordinator"], from: ["SUBMITTED", "PENDING"] },
];

export function allowedActions(session, report) {
  return ACTIONS.filter(
    (a) =>
      a.roles.includes(session.role) &&
      a.from.includes(report.status) &&
      (!a.agency || !AGENCY_ROLES.includes(session.role) || (report.agency && report.agency.id === session.agency_id)),
  );
}

function defaults(name, report) {
  if (name === "verify")
    return {
      type: report.type, requires_supervision: report.requires_supervision, category: report.category?.code || "",
      agency_id: report.agency?.id || report.suggested_agency_id || "", title: report.title,
      anonymous: report.anonymous, confidential: report.confidential, note: "",
    };
  if (name === "forward") return { agency_id: "", note: "" };
  if (name === "refer") return { reason: "", target: "" };
  if (name === "followup" || name === "note") return { message: "" };
  if (name === "close") return { resolution: "" };
  return { reason: "" };
}

function requestBody(name, draft) {
  const text = (v) => (v && v.trim() ? v.trim() : undefined);
  switch (name) {
    case "verify":
      return { type: draft.type, requires_supervision: draft.requires_supervision, category: draft.category, agency_id: draft.agency_id,
        title: text(draft.title), anonymous: draft.anonymous, confidential: draft.confidential, note: text(draft.note) };
    case "forward":
      return { agency_id: draft.agency_id, note: text(draft.note) };
    case "refer":
      return { reason: draft.reason.trim(), target: text(draft.target) };
    case "followup":
      return { message: draft.message.trim() };
    case "note":
      return { message: draft.message.trim(), internal: true };
    case "close":
      return { resolution: draft.resolution.trim() };
    default:
      return { reason: draft.reason.trim() };
  }
}

const REQUIRED = { verify: ["category", "agency_id"], forward: ["agency_id"], followup: ["message"], note: ["message"], close: ["resolution"] };

function ActionForm({ action, report, draft, setDraft, catalog, onSubmit, errors }) {
  const id = (field) => `a-${action.name}-${field}`;
  const set = (field) => (e) => setDraft({ ...draft, [field]: e.target.type === "checkbox" ? e.target.checked : e.target.value });
  const text = (field, label, hint, area = true) => html`<${Field} id=${id(field)} label=${label} hint=${hint} error=${errors[field]}>
    ${area ? html`<textarea id=${id(field)} rows="3" maxlength="4000" value=${draft[field]} onInput=${set(field)}></textarea>`
      : html`<input type="text" id=${id(field)} value=${draft[field]} onInput=${set(field)} />`}
  <//>`;
  const agencySelect = html`<${Field} id=${id("agency_id")} label=${t("f.agency")} error=${errors.agency_id}>
    <select id=${id("agency_id")} value=${draft.agency_id} onChange=${set("agency_id")}>
      <option value=""></option>
      ${catalog.agencies.filter((a) => action.name !== "forward" || a.id !== report.agency?.id).map((a) => html`<option value=${a.id}>${a.name}</option>`)}
    </select>
  <//>`;
  let fields;
  if (action.name === "verify")
    fields = html`
      <${Field} id=${id("type")} label=${t("f.type")}>
        <select id=${id("type")} value=${draft.type} onChange=${set("type")}>${TYPES.map((v) => html`<option value=${v}>${t("type." + v)}</option>`)}</select>
      <//>
      <${Field} id=${id("category")} label=${t("f.category")} error=${errors.category}>
        <select id=${id("category")} value=${draft.category} onChange=${set("category")}>
          <option value=""></option>${catalog.categories.map((c) => html`<option value=${c.code}>${c.name}</option>`)}
        </select>
      <//>
      ${agencySelect}
      <div class="choice"><input type="checkbox" id=${id("supervision")} checked=${draft.requires_supervision} onChange=${set("requires_supervision")} /><label for=${id("supervision")}>${t("f.supervision")}</label></div>
      <div class="choice"><input type="checkbox" id=${id("anonymous")} checked=${draft.anonymous} disabled=${report.anonymous} onChange=${set("anonymous")} /><label for=${id("anonymous")}>${t("f.anonymous")}</label></div>
      <div class="choice"><input type="checkbox" id=${id("confidential")} checked=${draft.confidential} disabled=${report.confidential} onChange=${set("confidential")} /><label for=${id("confidential")}>${t("f.confidential")}</label></div>
      ${text("title", t("f.title"), null, false)}
      ${text("note", t("f.note"))}`;
  else if (action.name === "forward") fields = html`${agencySelect}${text("note", t("f.note"))}`;
  else if (action.name === "refer") fields = html`${text("reason", t("f.reason"), t("f.reason.hint"))}${text("target", t("f.target"), null, false)}`;
  else if (action.name === "followup") fields = text("message", t("f.message"));
  else if (action.name === "note") fields = text("message", t("f.internal"));
  else if (action.name === "close") fields = text("resolution", t("f.resolution"));
  else fields = text("reason", t("f.reason"), action.name === "suspend" ? t("f.suspend.hint") : t("f.reason.hint"));
  return html`<section class="action" aria-labelledby=${id("title")}>
    <h3 id=${id("title")}>${t("act." + action.name)}</h3>
    <form novalidate onSubmit=${(e) => { e.preventDefault(); onSubmit(action); }}>
      ${fields}
      <button type="submit" class=${["archive", "refer", "return"].includes(action.name) ? "secondary" : ""}>${t("act." + action.name)}</button>
    </form>
  </section>`;
}

function erased(report) {
  return (report.timeline || []).some((e) => e.action === "identity_erased");
}

function Identity({ session, report }) {
  const dialog = useRef(null);
  const [purpose, setPurpose] = useState("");
  const [identity, setIdentity] = useState(null);
  const [log, setLog] = useState(null);
  const [failed, setFailed] = useState(null);
  const mayRead = session.role === "coordinator" || (AGENCY_ROLES.includes(session.role) && !report.anonymous && report.agency?.id === session.agency_id);
  useEffect(() => {
    if (session.role === "coordinator") call(`/staff/reports/${report.id}/access-log`, { token: session.token }).then((r) => setLog(r.items)).catch(() => setLog(null));
  }, [report.id, identity]);
  async function reveal(event) {
    event.preventDefault();
    dialog.current.close();
    try {
      const query = purpose.trim() ? `?purpose=${encodeURIComponent(purpose.trim())}` : "";
      setIdentity(await call(`/staff/reports/${report.id}/reporter${query}`, { token: session.token }));
      setFailed(null);
    } catch (error) {
      setFailed(error.message);
    }
  }
  if (session.role === "leadership") return null;
  if (erased(report))
    return html`<section aria-labelledby="identity-title">
      <h2 id="identity-title">${t("report.reporter")}</h2>
      <p><strong>${t("report.erased")}</strong></p>
      ${log && html`<h3>${t("report.access_log")}</h3><${AccessLog} log=${log} />`}
    </section>`;
  return html`<section aria-labelledby="identity-title">
    <h2 id="identity-title">${t("report.reporter")}</h2>
    ${!mayRead && html`<p class="muted">${t("report.reveal.anonymous")}</p>`}
    ${failed && html`<${Notice} kind="error">${failed}<//>`}
    ${identity ? html`<dl class="summary-list">
        <div><dt>${t("report.name")}</dt><dd>${identity.name}</dd></div>
        <div><dt>${t("report.email")}</dt><dd>${identity.email || "–"}</dd></div>
        <div><dt>${t("report.phone")}</dt><dd>${identity.phone || "–"}</dd></div>
        <div><dt>${t("report.nik")}</dt><dd>${identity.nik || "–"}</dd></div>
      </dl>`
      : mayRead && html`<button type="button" class="secondary" onClick=${() => dialog.current.showModal()}>${t("report.reveal")}</button>`}
    <dialog ref=${dialog} aria-labelledby="reveal-title">
      <form method="dialog" onSubmit=${reveal}>
        <h2 id="reveal-title">${t("report.reveal")}</h2>
        <p>${t("report.reveal.lead")}</p>
        <${Field} id="reveal-purpose" label=${t("report.reveal.purpose")} hint=${t("report.reveal.purpose.hint")}>
          <input type="text" id="reveal-purpose" maxlength="200" value=${purpose} onInput=${(e) => setPurpose(e.target.value)} aria-describedby="reveal-purpose-hint" />
        <//>
        <button type="submit" class="warning">${t("report.reveal.confirm")}</button>
        <button type="button" class="secondary" onClick=${() => dialog.current.close()}>${t("report.reveal.cancel")}</button>
      </form>
    </dialog>
    ${log && html`<h3>${t("report.access_log")}</h3><${AccessLog} log=${log} />`}
  </section>`;
}

function AccessLog({ log }) {
  if (log.length === 0) return html`<p class="muted">${t("report.access_log.none")}</p>`;
  return html`<ul>${log.map((e) => html`<li>${dateTime(e.at)} · ${t("role." + e.actor_role)}${e.agency_id ? ` (${e.agency_id})` : ""}
    ${e.purpose ? html`<br /><span class="muted">${t("report.access_log.purpose", { purpose: e.purpose })}</span>` : ""}</li>`)}</ul>`;
}

/** The messages sent to the reporter (templates, never words or addresses) and what became of each. */
function Deliveries({ report }) {
  const items = report.deliveries || [];
  const known = (prefix, value) => {
    const text = t(prefix + value);
    return text === prefix + value ? value : text;
  };
  return html`<section aria-labelledby="deliveries-title">
    <h2 id="deliveries-title">${t("deliveries.title")}</h2>
    <p class="hint">${t("deliveries.lead")}</p>
    ${items.length === 0 ? html`<p class="muted">${t("deliveries.none")}</p>` : html`<div class="table-wrap"><table>
      <caption class="visually-hidden">${t("deliveries.title")}</caption>
      <thead><tr><th scope="col">${t("deliveries.message")}</th><th scope="col">${t("deliveries.channel")}</th><th scope="col">${t("deliveries.state")}</th><th scope="col">${t("deliveries.at")}</th></tr></thead>
      <tbody>${items.map((d) => html`<tr>
        <td>${known("template.", d.template)}</td>
        <td>${known("channel.", d.channel)}</td>
        <td><strong class=${"tag delivery-" + d.state}>${known("delivery.", d.state)}</strong>${d.reason && html`<br /><span class="muted">${known("delivery.reason.", d.reason)}</span>`}</td>
        <td>${dateTime(d.at)}${d.updated_at && d.updated_at !== d.at ? html`<br /><span class="muted">${t("deliveries.updated", { at: dateTime(d.updated_at) })}</span>` : ""}</td>
      </tr>`)}</tbody>
    </table></div>`}
  </section>`;
}

// Timeline entries whose words a redaction may replace: a note, and not one of the staff-only records.
const NOT_REDACTABLE = ["privacy_tightened", "identity_erased", "redact"];

function redactable(report) {
  return (report.timeline || []).filter((e) => e.note && !NOT_REDACTABLE.includes(e.action));
}

function currentText(report, draft) {
  if (draft.field === "entry") return redactable(report).find((e) => e.seq === Number(draft.seq))?.note || "";
  return draft.field ? report[draft.field] : "";
}

/** "Sunting teks": the coordinator replaces words that name someone, in the title, the description or one
 * timeline entry. The words removed are not kept anywhere. */
function RedactForm({ report, draft, setDraft, errors, onSubmit }) {
  const entries = redactable(report);
  const choose = (field) => {
    const next = { ...draft, field, seq: field === "entry" ? draft.seq || String(entries[0]?.seq || "") : "" };
    setDraft({ ...next, text: currentText(report, next) });
  };
  const chooseEntry = (seq) => {
    const next = { ...draft, seq };
    setDraft({ ...next, text: currentText(report, next) });
  };
  return html`<section class="action" aria-labelledby="a-redact-title">
    <h3 id="a-redact-title">${t("redact.title")}</h3>
    <p class="hint">${t("redact.lead")}</p>
    <form novalidate onSubmit=${(e) => { e.preventDefault(); onSubmit(); }}>
      <fieldset id="a-redact-field" class=${errors.field ? "error-field" : ""}>
        <legend>${t("redact.field")}</legend>
        ${errors.field && html`<span class="error-message"><span class="visually-hidden">${t("errors.prefix")}</span> ${errors.field}</span>`}
        ${["title", "description", "entry"].map((f) => html`<div class="choice">
          <input type="radio" name="redact-field" id=${"a-redact-field-" + f} value=${f} checked=${draft.field === f} disabled=${f === "entry" && entries.length === 0} onChange=${() => choose(f)} />
          <label for=${"a-redact-field-" + f}>${t("redact.field." + f)}</label></div>`)}
      </fieldset>
      ${draft.field === "entry" && html`<${Field} id="a-redact-seq" label=${t("redact.entry")} error=${errors.seq}>
        <select id="a-redact-seq" value=${draft.seq} onChange=${(e) => chooseEntry(e.target.value)}>
          ${entries.map((e) => html`<option value=${String(e.seq)}>${t("action." + e.action)} · ${dateTime(e.at)} · ${e.note.length > 40 ? e.note.slice(0, 39) + "…" : e.note}</option>`)}
        </select>
      <//>`}
      ${draft.field && html`<${Field} id="a-redact-text" label=${t("redact.text")} hint=${t("redact.text.hint")} error=${errors.text}>
        <textarea id="a-redact-text" rows="5" maxlength="4000" value=${draft.text} onInput=${(e) => setDraft({ ...draft, text: e.target.value })} aria-describedby="a-redact-text-hint"></textarea>
      <//>`}
      <button type="submit" class="warning">${t("redact.submit")}</button>
    </form>
  </section>`;
}

/** "Hapus identitas pelapor": a dialog with the reason and the warning that it cannot be undone. */
function EraseIdentity({ report, draft, setDraft, errors, onSubmit, busy }) {
  const dialog = useRef(null);
  async function erase(event) {
    event.preventDefault();
    if (await onSubmit()) dialog.current?.close();
  }
  if (erased(report)) return null;
  return html`<section class="action" aria-labelledby="a-erase-title">
    <h3 id="a-erase-title">${t("erase.title")}</h3>
    <p class="hint">${t("erase.lead")}</p>
    <button type="button" class="warning" onClick=${() => dialog.current.showModal()}>${t("erase.title")}</button>
    <dialog ref=${dialog} aria-labelledby="erase-dialog-title">
      <form novalidate onSubmit=${erase}>
        <h2 id="erase-dialog-title">${t("erase.title")}</h2>
        <div class="notice error" role="note"><strong>${t("erase.warning")}</strong></div>
        <p>${t("erase.what")}</p>
        <${ErrorSummary} errors=${errors} fields=${{ reason: "a-erase-reason", _: "a-erase-reason" }} />
        <${Field} id="a-erase-reason" label=${t("erase.reason")} hint=${t("erase.reason.hint")} error=${errors.reason || errors._}>
          <textarea id="a-erase-reason" rows="3" maxlength="2000" value=${draft.reason} onInput=${(e) => setDraft({ ...draft, reason: e.target.value })} aria-describedby="a-erase-reason-hint"></textarea>
        <//>
        <button type="submit" class="warning" disabled=${busy}>${t("erase.confirm")}</button>
        <button type="button" class="secondary" onClick=${() => dialog.current.close()}>${t("report.reveal.cancel")}</button>
      </form>
    </dialog>
  </section>`;
}

export function ReportPage({ id, session, catalog }) {
  const [report, setReport] = useState(null);
  const [failed, setFailed] = useState(null);
  const [notice, setNotice] = useState(null);
  const [errors, setErrors] = useState({});
  const [drafts, setDrafts] = useState({});
  const [busy, setBusy] = useState(false);

  async function load() {
    try {
      setReport(await call(`/staff/reports/${encodeURIComponent(id)}`, { token: session.token }));
      setFailed(null);
    } catch (error) {
      setFailed(error.message);
    }
  }
  useEffect(() => { load(); }, [id]);

  /** POST one change with If-Match; true when it was saved. Errors: 422 beside the fields of `name`; a stale
   * version reloads the report (what was typed stays in `drafts`); anything else in the notice. */
  async function change(name, path, body, label) {
    setBusy(true);
    try {
      const updated = await call(`/staff/reports/${report.id}/${path}`, {
        method: "POST", token: session.token, ifMatch: report.version, body,
      });
      setReport(updated);
      setDrafts((d) => ({ ...d, [name]: undefined }));
      setErrors({});
      setNotice({ kind: "ok", text: t("report.done", { action: label }) });
      return true;
    } catch (error) {
      if (!(error instanceof ApiError)) {
        setNotice({ kind: "error", text: t("errors.network") });
      } else if (error.status === 409 && error.code === "version_conflict") {
        setNotice({ kind: "warn", text: t("report.conflict") });
        await load();
      } else if (error.status === 422) {
        setErrors({ [name]: fieldErrors(error, Object.keys(body)) });
        return false;
      } else {
        setNotice({ kind: "error", text: error.message });
        if (error.status === 409) await load();
      }
      return true; // nothing more to do in the form: the notice says what happened
    } finally {
      setBusy(false);
      window.scrollTo(0, 0);
    }
  }

  function missing(name, draft, fields) {
    const problems = {};
    for (const field of fields) if (!String(draft[field] ?? "").trim()) problems[field] = t("f.required");
    setErrors({ [name]: problems });
    return Object.keys(problems).length > 0;
  }

  async function submit(action) {
    const draft = drafts[action.name] || defaults(action.name, report);
    if (missing(action.name, draft, REQUIRED[action.name] || ["reason"])) return;
    await change(action.name, action.path, requestBody(action.name, draft), t("act." + action.name));
  }

  async function redact() {
    const draft = drafts.redact || { field: "", seq: "", text: "" };
    if (!draft.field) return setErrors({ redact: { field: t("redact.field.required") } });
    if (missing("redact", draft, draft.field === "entry" ? ["seq", "text"] : ["text"])) return;
    const body = { field: draft.field, text: draft.text.trim(), ...(draft.field === "entry" ? { seq: Number(draft.seq) } : {}) };
    await change("redact", "redactions", body, t("redact.title"));
  }

  async function erase() {
    const draft = drafts.erase || { reason: "" };
    if (missing("erase", draft, ["reason"])) return false;
    return change("erase", "erase-identity", { reason: draft.reason.trim() }, t("erase.title"));
  }

  const title = t("report.title", { id });
  if (failed) return html`<${Page} title=${title}><${Notice} kind="error">${failed}<//><p><a href="#/">${t("report.back")}</a></p><//>`;
  if (!report) return html`<${Page} title=${title}><p>${t("loading")}</p><//>`;
  const actions = allowedActions(session, report);
  const suggested = catalog.agencies.find((a) => a.id === report.suggested_agency_id);
  // The erasure's errors are shown in its dialog; the others in the page's summary.
  const [errorsOf] = Object.keys(errors).filter((name) => name !== "erase");
  const actionErrors = (errorsOf && errors[errorsOf]) || {};
  const coordinator = session.role === "coordinator";
  const setDraftOf = (name) => (d) => setDrafts((all) => ({ ...all, [name]: d }));
  return html`<${Page} title=${title}>
    <p><a href="#/">${t("report.back")}</a></p>
    ${notice && html`<${Notice} kind=${notice.kind}>${notice.text}<//>`}
    <${ErrorSummary} errors=${actionErrors} fields=${Object.fromEntries(Object.keys(actionErrors).map((f) => [f, `a-${errorsOf}-${f}`]))} />
    <div class="grid2"><div>
      <h2>${report.title}</h2>
      <p><${StatusTag} report=${report} /> <span class="muted">${t("report.version", { version: report.version })}</span></p>
      <p>${report.description}</p>
      <dl class="summary-list">
        <div><dt>${t("f.type")}</dt><dd>${t("type." + report.type)}${report.requires_supervision ? ` · ${t("f.supervision")}` : ""}</dd></div>
        <div><dt>${t("f.category")}</dt><dd>${report.category ? report.category.name : "–"}</dd></div>
        <div><dt>${t("queue.col.agency")}</dt><dd>${report.agency ? report.agency.name : "–"}</dd></div>
        ${suggested && html`<div><dt>${t("report.suggested")}</dt><dd>${suggested.name}</dd></div>`}
        <div><dt>${t("follow.location")}</dt><dd>${report.location ? [report.location.address, report.location.kecamatan, `${report.location.lat}, ${report.location.lon}`].filter(Boolean).join(" · ") : "–"}</dd></div>
        <div><dt>${t("follow.submitted")}</dt><dd>${dateTime(report.submitted_at)}</dd></div>
        <div><dt>${t("f.anonymous")}</dt><dd>${report.anonymous ? t("check.yes") : t("check.no")}</dd></div>
        <div><dt>${t("f.confidential")}</dt><dd>${report.confidential ? t("check.yes") : t("check.no")}</dd></div>
        <div><dt>${t("report.contact")}</dt><dd>${erased(report) ? t("report.contact.erased") : report.contact_confirmed ? t("report.contact.confirmed") : t("report.contact.unconfirmed")}</dd></div>
      </dl>
      ${(report.attachments || []).length > 0 && html`<h3>${t("follow.attachments")}</h3><ul>${report.attachments.map((a, i) => html`<li>
        ${a.download_url ? html`<a href=${a.download_url}>${t("follow.attachment.open", { n: i + 1 })}</a>` : t("follow.attachment.open", { n: i + 1 })} <span class="muted">· ${a.content_type} · ${a.status}</span></li>`)}</ul>`}
      <h2>${t("follow.deadlines")}</h2>
      <${Deadlines} deadlines=${report.deadlines} />
      <h2>${t("follow.timeline")}</h2>
      <${Timeline} entries=${report.timeline} />
      <${Deliveries} report=${report} />
    </div><div>
      <h2>${t("report.actions")}</h2>
      ${actions.length === 0 && html`<p class="muted">${t("report.no_actions")}</p>`}
      <fieldset disabled=${busy}>
        ${actions.map((action) => html`<${ActionForm} key=${action.name} action=${action} report=${report} catalog=${catalog}
          draft=${drafts[action.name] || defaults(action.name, report)} errors=${errors[action.name] || {}}
          setDraft=${(d) => setDrafts((all) => ({ ...all, [action.name]: d }))} onSubmit=${submit} />`)}
      </fieldset>
      <${Identity} key=${erased(report) ? "erased" : "kept"} session=${session} report=${report} />
      ${coordinator && html`<h2>${t("privacy.title")}</h2>
        <fieldset disabled=${busy}>
          <${RedactForm} report=${report} draft=${drafts.redact || { field: "", seq: "", text: "" }} setDraft=${setDraftOf("redact")}
            errors=${errors.redact || {}} onSubmit=${redact} />
        </fieldset>
        <${EraseIdentity} report=${report} draft=${drafts.erase || { reason: "" }} setDraft=${setDraftOf("erase")}
          errors=${errors.erase || {}} onSubmit=${erase} busy=${busy} />`}
    </div></div>
  <//>`;
}
