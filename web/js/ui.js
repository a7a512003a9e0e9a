// Shared pieces of both UIs: the header with the language switch, form fields with their errors, the error
// summary (GOV.UK), the report's status, deadlines and timeline, and an accessible bar chart.
import { html, useEffect, useRef } from "./lib.js";
import { lang, setLang, t } from "./i18n.js";
import { date, dateTime, number, workingDaysLeft } from "./format.js";

export function Header({ title, home, links, current, extra }) {
  const other = lang() === "id" ? "en" : "id";
  return html`
    <a class="skip" href="#main">${t("skip")}</a>
    <header class="site">
      <div class="bar">
        <a class="brand" href=${home}>${title}</a>
        <nav aria-label=${t("nav.label")}>
          <ul>
            ${links.map(
              ([href, label]) =>
                html`<li><a href=${href} aria-current=${current === href ? "page" : undefined}>${label}</a></li>`,
            )}
          </ul>
        </nav>
        ${extra}
        <button type="button" class="lang" lang=${other} onClick=${() => setLang(other)}>
          ${other === "en" ? "English" : "Bahasa Indonesia"}
        </button>
      </div>
    </header>
  `;
}

/** Focus moves to the page's heading when it changes, so a screen reader hears where it is. */
export function Page({ title, children }) {
  const heading = useRef(null);
  useEffect(() => {
    document.title = `${title} – Lapor`;
  }, [title]);
  return html`<main id="main" tabindex="-1"><h1 ref=${heading} tabindex="-1">${title}</h1>${children}</main>`;
}

export function focusFirst(selector) {
  requestAnimationFrame(() => document.querySelector(selector)?.focus());
}

/** A summary link moves focus to its field without touching the address (the staff console routes by #hash). */
function goTo(event, target) {
  const element = document.getElementById(target);
  if (!element) return;
  event.preventDefault();
  const focusable = element.matches("input, select, textarea, button, [tabindex]") ? element : element.querySelector("input, select, textarea, button");
  (focusable || element).focus();
  element.scrollIntoView({ block: "center" });
}

/** The error summary: each problem links to its field. */
export function ErrorSummary({ errors, fields }) {
  const box = useRef(null);
  const entries = Object.entries(errors || {});
  useEffect(() => {
    if (entries.length) box.current?.focus();
  }, [errors]);
  if (!entries.length) return null;
  return html`
    <div class="error-summary" role="alert" tabindex="-1" ref=${box} aria-labelledby="error-summary-title">
      <h2 id="error-summary-title">${t("errors.title")}</h2>
      <ul>
        ${entries.map(([field, message]) => {
          const target = (fields && fields[field]) || "f-" + field.replace(/\./g, "-");
          return html`<li><a href=${"#" + target} onClick=${(event) => goTo(event, target)}>${message}</a></li>`;
        })}
      </ul>
    </div>
  `;
}

/** The field errors of an API error (422 details), by field; a field the form does not show goes under `_`. */
export function fieldErrors(error, known) {
  const errors = {};
  for (const detail of error.details || []) {
    const field = known.includes(detail.field) ? detail.field : "_";
    if (!errors[field]) errors[field] = detail.message;
  }
  if (!Object.keys(errors).length) errors._ = error.message;
  return errors;
}

export function Field({ id, label, hint, error, children }) {
  return html`
    <div class="field ${error ? "error-field" : ""}">
      <label for=${id}>${label}</label>
      ${hint && html`<span class="hint" id=${id + "-hint"}>${hint}</span>`}
      ${error && html`<span class="error-message" id=${id + "-error"}><span class="visually-hidden">${t("errors.prefix")}</span> ${error}</span>`}
      ${children}
    </div>
  `;
}

export function describedBy(id, hint, error) {
  return [hint && id + "-hint", error && id + "-error"].filter(Boolean).join(" ") || undefined;
}

export function Notice({ kind = "", children }) {
  return html`<div class="notice ${kind}" role=${kind === "error" ? "alert" : "status"}>${children}</div>`;
}

const DONE = new Set(["DONE", "ARCHIVED", "REFERRED"]);

export function StatusTag({ report }) {
  return html`<strong class="tag ${DONE.has(report.status) ? "done" : ""}">${report.status_label}</strong>
    ${report.overdue && html` <strong class="tag late">${t("report.overdue")}</strong>`}
    ${report.escalation_level > 0 && html` <strong class="tag level">${t("report.escalation", { level: report.escalation_level })}</strong>`}`;
}

export function daysLeftText(iso) {
  const days = workingDaysLeft(iso);
  if (days > 0) return t("deadline.left", { days });
  if (days === 0) return t("deadline.today");
  return t("deadline.past", { days: -days });
}

export function Deadlines({ deadlines }) {
  const running = Object.entries(deadlines || {}).filter(([, at]) => at);
  if (!running.length) return html`<p class="muted">${t("deadline.none")}</p>`;
  return html`
    <dl class="summary-list">
      ${running.map(
        ([clock, at]) => html`<div>
          <dt>${t("clock." + clock)}</dt>
          <dd><strong>${daysLeftText(at)}</strong><br /><span class="muted">${t("deadline.until", { date: date(new Date(new Date(at).getTime() - 1)) })}</span></dd>
        </div>`,
      )}
    </dl>
  `;
}

/** A `redact` entry's note names what was rewritten ("title", "description", "entry 3 (reply)"): said in words. */
export function redactedWhat(note, entries) {
  const found = /^entry (\d+) \((\w+)\)$/.exec(note || "");
  if (found) {
    const at = (entries || []).find((e) => e.seq === Number(found[1]))?.at;
    return t("redact.what.entry", { action: t("action." + found[2]), at: at ? dateTime(at) : "#" + found[1] });
  }
  return ["title", "description"].includes(note) ? t("redact.what." + note) : note;
}

export function Timeline({ entries }) {
  return html`
    <ol class="timeline">
      ${(entries || []).map(
        (entry) => html`<li>
          <strong>${t("action." + entry.action)}</strong> <span class="muted">· ${dateTime(entry.at)} · ${t("role." + entry.actor_role)}</span>
          ${entry.redacted && html` <strong class="tag redacted">${t("timeline.redacted")}</strong>`}
          ${entry.note && html`<p>${entry.action === "redact" ? redactedWhat(entry.note, entries) : entry.note}</p>`}
          ${entry.redacted && html`<p class="hint">${t("timeline.redacted.hint")}</p>`}
        </li>`,
      )}
    </ol>
  `;
}

/** Horizontal bars as SVG, with the same figures in a table beside them (the chart is not the only way in). */
export function BarChart({ title, rows, unit, digits = 2 }) {
  const max = Math.max(...rows.map((r) => r.value), 0.0001);
  const rowHeight = 28;
  const width = 640;
  const labelWidth = 210;
  const height = rows.length * rowHeight + 8;
  const summary = rows.map((r) => `${r.label}: ${number(r.value, digits)} ${unit}`).join("; ");
  return html`
    <figure class="chart">
      <figcaption><strong>${title}</strong></figcaption>
      <svg viewBox="0 0 ${width} ${height}" role="img" aria-label=${`${title}. ${summary}`}>
        ${rows.map((row, i) => {
          const w = ((width - labelWidth - 70) * row.value) / max;
          const y = i * rowHeight + 4;
          return html`<g>
            <text x=${labelWidth - 8} y=${y + 17} text-anchor="end">${row.label.length > 28 ? row.label.slice(0, 27) + "…" : row.label}</text>
            <rect class="bar" x=${labelWidth} y=${y + 3} width=${Math.max(w, 1)} height=${rowHeight - 10}></rect>
            <text x=${labelWidth + Math.max(w, 1) + 6} y=${y + 17}>${number(row.value, digits)}</text>
          </g>`;
        })}
      </svg>
    </figure>
  `;
}
