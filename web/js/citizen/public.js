// The public list: verified, non-confidential reports, newest first, with filters. No personal data.
import { html, useEffect, useState } from "../lib.js";
import { t } from "../i18n.js";
import { call } from "../api.js";
import { Notice, Page, StatusTag } from "../ui.js";
import { dateTime } from "../format.js";

const STATUSES = ["DISPOSED", "IN_PROGRESS", "DONE"];

export function PublicPage({ categories, agencies }) {
  const [filters, setFilters] = useState({ status: "", category: "", agency_id: "" });
  const [items, setItems] = useState(null);
  const [cursor, setCursor] = useState(null);
  const [failed, setFailed] = useState(false);

  async function load(next = null) {
    const query = new URLSearchParams({ limit: "20" });
    for (const [k, v] of Object.entries(filters)) if (v) query.set(k, v);
    if (next) query.set("cursor", next);
    try {
      const page = await call(`/reports?${query}`);
      setItems((old) => (next ? [...old, ...page.items] : page.items));
      setCursor(page.next_cursor);
      setFailed(false);
    } catch {
      setFailed(true);
    }
  }

  useEffect(() => { load(); }, []);
  const set = (name) => (e) => setFilters({ ...filters, [name]: e.target.value });

  return html`<${Page} title=${t("public.title")}>
    <p>${t("public.lead")}</p>
    <form class="filters" onSubmit=${(e) => { e.preventDefault(); load(); }}>
      <div class="field"><label for="p-status">${t("public.status")}</label>
        <select id="p-status" value=${filters.status} onChange=${set("status")}>
          <option value="">${t("public.any")}</option>
          ${STATUSES.map((s) => html`<option value=${s}>${t("status." + s)}</option>`)}
        </select></div>
      <div class="field"><label for="p-category">${t("follow.category")}</label>
        <select id="p-category" value=${filters.category} onChange=${set("category")}>
          <option value="">${t("public.any")}</option>
          ${categories.map((c) => html`<option value=${c.code}>${c.name}</option>`)}
        </select></div>
      <div class="field"><label for="p-agency">${t("public.agency")}</label>
        <select id="p-agency" value=${filters.agency_id} onChange=${set("agency_id")}>
          <option value="">${t("public.any")}</option>
          ${agencies.map((a) => html`<option value=${a.id}>${a.short_name}</option>`)}
        </select></div>
      <div class="field"><button type="submit" class="secondary">${t("public.filter")}</button></div>
    </form>
    ${failed && html`<${Notice} kind="error">${t("errors.network")}<//>`}
    ${items === null ? html`<p>${t("loading")}</p>` : items.length === 0 ? html`<p>${t("public.none")}</p>` : html`
      <ul class="cards" aria-live="polite">
        ${items.map((r) => html`<li>
          <h2 class="h3"><a href=${`/laporan/${r.id}`}>${r.title}</a></h2>
          <p><${StatusTag} report=${r} /></p>
          <p class="muted">${r.id} · ${r.category ? r.category.name : ""} · ${r.agency ? r.agency.name : ""} · ${dateTime(r.submitted_at)}</p>
        </li>`)}
      </ul>
      ${cursor && html`<button type="button" class="secondary" onClick=${() => load(cursor)}>${t("public.more")}</button>`}`}
  <//>`;
}
