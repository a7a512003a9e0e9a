// The daily indicators with charts (the average response duration per agency first), and the CSV export.
import { html, useEffect, useState } from "../lib.js";
import { t } from "../i18n.js";
import { call, ApiError } from "../api.js";
import { Notice, Page } from "../ui.js";
import { todayWib } from "../format.js";
import { CityFigures, ResponseByAgency } from "../citizen/stats.js";
import { saveDownload } from "./admin.js";

function yesterday() {
  const d = new Date(`${todayWib()}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

export function MetricsPage({ session, catalog }) {
  const [day, setDay] = useState(yesterday());
  const [snapshot, setSnapshot] = useState(null);
  const [notice, setNotice] = useState(null);
  const [range, setRange] = useState({ from: yesterday().slice(0, 8) + "01", to: todayWib() });
  const [exported, setExported] = useState(null);
  const canExport = session.role === "coordinator" || session.role === "leadership";

  async function load() {
    try {
      setSnapshot(await call(`/staff/metrics/daily/${day}`, { token: session.token }));
      setNotice(null);
    } catch (error) {
      setSnapshot(null);
      setNotice(error instanceof ApiError && error.status === 404 ? t("metrics.missing") : error.message);
    }
  }
  useEffect(() => { load(); }, []);

  async function download(event) {
    event.preventDefault();
    try {
      const response = await call(`/staff/exports/reports.csv?from=${range.from}&to=${range.to}`, { token: session.token, raw: true });
      const name = `lapor-${range.from}-${range.to}.csv`;
      await saveDownload(response, name);
      setExported(t("metrics.export.done", { name }));
    } catch (error) {
      setExported(error.message);
    }
  }

  return html`<${Page} title=${t("metrics.title")}>
    <p>${t("metrics.lead")}</p>
    <form class="filters" onSubmit=${(e) => { e.preventDefault(); load(); }}>
      <div class="field"><label for="m-date">${t("metrics.date")}</label><input type="date" id="m-date" value=${day} max=${todayWib()} onInput=${(e) => setDay(e.target.value)} /></div>
      <div class="field"><button type="submit" class="secondary">${t("metrics.show")}</button></div>
    </form>
    ${notice && html`<${Notice}>${notice}<//>`}
    ${snapshot && html`
      <h2>${t("stats.response")}</h2>
      <${ResponseByAgency} summary=${snapshot} agencies=${catalog.agencies} />
      <h2>${t("stats.city")}</h2>
      <${CityFigures} figures=${snapshot.city} />`}
    ${canExport && html`<h2>${t("metrics.export")}</h2>
      <p>${t("metrics.export.lead")}</p>
      <form class="filters" onSubmit=${download}>
        <div class="field"><label for="x-from">${t("metrics.export.from")}</label><input type="date" id="x-from" value=${range.from} onInput=${(e) => setRange({ ...range, from: e.target.value })} /></div>
        <div class="field"><label for="x-to">${t("metrics.export.to")}</label><input type="date" id="x-to" value=${range.to} onInput=${(e) => setRange({ ...range, to: e.target.value })} /></div>
        <div class="field"><button type="submit">${t("metrics.export.submit")}</button></div>
      </form>
      ${exported && html`<p role="status">${exported}</p>`}`}
  <//>`;
}
