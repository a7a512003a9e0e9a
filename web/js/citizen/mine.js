// The reports filed from this device, and opening one with its tracking number and access key.
import { html, useState } from "../lib.js";
import { t } from "../i18n.js";
import { Field, Notice, Page } from "../ui.js";
import { dateTime } from "../format.js";
import { forgetReport, queued, saveReport, savedReports } from "./device.js";

export function MinePage({ navigate }) {
  const [reports, setReports] = useState(savedReports);
  const [id, setId] = useState("");
  const [token, setToken] = useState("");
  const waiting = queued().length;
  function open(event) {
    event.preventDefault();
    const trimmed = id.trim().toUpperCase();
    if (!trimmed) return;
    if (token.trim()) saveReport(trimmed, token.trim(), "");
    navigate(`/laporan/${encodeURIComponent(trimmed)}`);
  }
  return html`<${Page} title=${t("mine.title")}>
    <p>${t("mine.lead")}</p>
    ${waiting > 0 && html`<${Notice} kind="warn">${t("offline.waiting", { n: waiting })}<//>`}
    ${reports.length === 0 && html`<p class="muted">${t("mine.none")}</p>`}
    <ul class="cards">
      ${reports.map((r) => html`<li>
        <h2 class="h3"><a href=${`/laporan/${r.id}`}>${r.id}</a></h2>
        ${r.title && html`<p>${r.title}</p>`}
        <p class="muted">${dateTime(r.saved_at)}</p>
        <button type="button" class="link" onClick=${() => { forgetReport(r.id); setReports(savedReports()); }}>${t("mine.forget")} <span class="visually-hidden">${r.id}</span></button>
      </li>`)}
    </ul>
    <h2>${t("mine.open")}</h2>
    <form onSubmit=${open}>
      <${Field} id="f-open-id" label=${t("mine.id")}>
        <input type="text" id="f-open-id" class="short" value=${id} onInput=${(e) => setId(e.target.value)} autocomplete="off" />
      <//>
      <${Field} id="f-open-token" label=${t("mine.token")}>
        <input type="text" id="f-open-token" value=${token} onInput=${(e) => setToken(e.target.value)} autocomplete="off" />
      <//>
      <button type="submit">${t("mine.go")}</button>
    </form>
  <//>`;
}
