// The queue: the caller's reports, soonest deadline first (the API's order), with overdue, escalation level
// and the agency the routing rules suggest.
import { html, useEffect, useRef, useState } from "../lib.js";
import { t } from "../i18n.js";
import { call } from "../api.js";
import { Notice, Page, StatusTag, daysLeftText } from "../ui.js";

const STATUSES = ["SUBMITTED", "PENDING", "DISPOSED", "IN_PROGRESS", "DONE", "ARCHIVED", "REFERRED"];

function soonest(deadlines) {
  return Object.entries(deadlines || {}).filter(([, at]) => at).sort((a, b) => (a[1] < b[1] ? -1 : 1))[0] || null;
}

export function QueuePage({ session, agencies, statusLabels }) {
  const [filters, setFilters] = useState({ status: "", overdue: false, q: "", agency_id: "" });
  const [items, setItems] = useState(null);
  const [cursor, setCursor] = useState(null);
  const [failed, setFailed] = useState(null);
  const latest = useRef(0); // the last list asked for: an earlier, slower answer must not replace it
  const names = Object.fromEntries(agencies.map((a) => [a.id, a.short_name]));

  async function load(next = null) {
    const asked = ++latest.current;
    const query = new URLSearchParams({ limit: "25" });
    if (filters.status) query.set("status", filters.status);
    if (filters.overdue) query.set("overdue", "true");
    if (filters.q.trim()) query.set("q", filters.q.trim());
    if (filters.agency_id) query.set("agency_id", filters.agency_id);
    if (next) query.set("cursor", next);
    try {
      const page = await call(`/staff/reports?${query}`, { token: session.token });
      if (asked !== latest.current) return;
      setItems((old) => (next ? [...old, ...page.items] : page.items));
      setCursor(page.next_cursor);
      setFailed(null);
    } catch (error) {
      if (asked === latest.current) setFailed(error.message);
    }
  }
  useEffect(() => { load(); }, []);
  const set = (name) => (e) => setFilters({ ...filters, [name]: e.target.type === "checkbox" ? e.target.checked : e.target.value });
  const agencyScoped = session.role === "operator" || session.role === "official";

  return html`<${Page} title=${t("queue.title")}>
    <p>${t("queue.lead")}</p>
    <form class="filters" onSubmit=${(e) => { e.preventDefault(); load(); }}>
      <div class="field"><label for="q-status">${t("queue.status")}</label>
        <select id="q-status" value=${filters.status} onChange=${set("status")}>
          <option value="">${t("queue.any")}</option>
          ${STATUSES.map((s) => html`<option value=${s}>${statusLabels[s]}</option>`)}
        </select></div>
      ${!agencyScoped && html`<div class="field"><label for="q-agency">${t("queue.agency")}</label>
        <select id="q-agency" value=${filters.agency_id} onChange=${set("agency_id")}>
          <option value="">${t("queue.any")}</option>
          ${agencies.map((a) => html`<option value=${a.id}>${a.short_name}</option>`)}
        </select></div>`}
      <div class="field"><label for="q-q">${t("queue.q")}</label><input type="search" id="q-q" value=${filters.q} onInput=${set("q")} /></div>
      <div class="field choice"><input type="checkbox" id="q-overdue" checked=${filters.overdue} onChange=${set("overdue")} /><label for="q-overdue">${t("queue.overdue")}</label></div>
      <div class="field"><button type="submit" class="secondary">${t("queue.filter")}</button></div>
    </form>
    ${failed && html`<${Notice} kind="error">${failed}<//>`}
    ${items === null ? html`<p>${t("loading")}</p>` : items.length === 0 ? html`<p>${t("queue.none")}</p>` : html`
      <div class="table-wrap"><table>
        <caption class="visually-hidden">${t("queue.title")}</caption>
        <thead><tr><th scope="col">${t("queue.col.report")}</th><th scope="col">${t("queue.col.status")}</th>
          <th scope="col">${t("queue.col.deadline")}</th><th scope="col">${t("queue.col.agency")}</th></tr></thead>
        <tbody>${items.map((r) => {
          const next = soonest(r.deadlines);
          return html`<tr>
            <td><a href=${`#/laporan/${r.id}`}>${r.title}</a><br /><span class="muted">${r.id}${r.category ? " · " + r.category.name : ""}</span></td>
            <td><${StatusTag} report=${r} /></td>
            <td>${next ? html`${t("clock." + next[0])}: <strong>${daysLeftText(next[1])}</strong>` : "–"}</td>
            <td>${r.agency ? r.agency.name : "–"}${!r.agency && r.suggested_agency_id ? html`<br /><span class="muted">${t("queue.suggested", { agency: names[r.suggested_agency_id] || r.suggested_agency_id })}</span>` : ""}</td>
          </tr>`;
        })}</tbody>
      </table></div>
      ${cursor && html`<button type="button" class="secondary" onClick=${() => load(cursor)}>${t("queue.more")}</button>`}`}
  <//>`;
}
