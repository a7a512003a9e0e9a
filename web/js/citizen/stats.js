// The public indicators: the average response duration per agency first (in HK and in days), then the city's
// figures. Aggregates only (GET /metrics/summary).
import { html, useEffect, useState } from "../lib.js";
import { t } from "../i18n.js";
import { call } from "../api.js";
import { BarChart, Notice, Page } from "../ui.js";
import { number, percent, todayWib } from "../format.js";

function daysBefore(iso, days) {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - days);
  return d.toISOString().slice(0, 10);
}

export function ResponseByAgency({ summary, agencies }) {
  const names = Object.fromEntries(agencies.map((a) => [a.id, a.short_name || a.name]));
  const rows = Object.entries(summary.agencies || {})
    .filter(([, f]) => f.response_time && f.response_time.n > 0)
    .map(([id, f]) => ({ id, label: names[id] || id, f }))
    .sort((a, b) => a.f.response_time.mean_hk - b.f.response_time.mean_hk);
  if (!rows.length) return html`<p class="muted">${t("stats.none")}</p>`;
  return html`
    <${BarChart} title=${t("stats.response.hk")} unit=${t("units.hk")} rows=${rows.map((r) => ({ label: r.label, value: r.f.response_time.mean_hk }))} />
    <${BarChart} title=${t("stats.response.days")} unit=${t("units.days")} rows=${rows.map((r) => ({ label: r.label, value: r.f.response_time.mean_days }))} />
    <div class="table-wrap"><table>
      <caption class="visually-hidden">${t("stats.response")}</caption>
      <thead><tr><th scope="col">${t("stats.agency")}</th><th scope="col" class="num">${t("stats.n")}</th>
        <th scope="col" class="num">${t("stats.mean_hk")}</th><th scope="col" class="num">${t("stats.median_hk")}</th><th scope="col" class="num">${t("stats.mean_days")}</th></tr></thead>
      <tbody>${rows.map((r) => html`<tr><th scope="row">${r.label}</th><td class="num">${r.f.response_time.n}</td>
        <td class="num">${number(r.f.response_time.mean_hk, 2)}</td><td class="num">${number(r.f.response_time.median_hk, 2)}</td><td class="num">${number(r.f.response_time.mean_days, 2)}</td></tr>`)}</tbody>
    </table></div>`;
}

export function CityFigures({ figures }) {
  return html`<dl class="summary-list">
    <div><dt>${t("stats.received")}</dt><dd>${figures.received}</dd></div>
    <div><dt>${t("stats.verified")}</dt><dd>${figures.verified}</dd></div>
    <div><dt>${t("stats.dispositions")}</dt><dd>${figures.dispositions}</dd></div>
    <div><dt>${t("stats.followed_up")}</dt><dd>${percent(figures.followed_up_rate)}</dd></div>
    <div><dt>${t("stats.completed")}</dt><dd>${percent(figures.completion_rate)}</dd></div>
    <div><dt>${t("stats.response.hk")}</dt><dd>${number(figures.response_time.mean_hk, 2)} (${figures.response_time.n})</dd></div>
    <div><dt>${t("stats.satisfaction")}</dt><dd>${figures.satisfaction.n ? number(figures.satisfaction.mean, 1) : "–"}</dd></div>
  </dl>`;
}

export function StatsPage({ agencies }) {
  const today = todayWib();
  const [range, setRange] = useState({ from: daysBefore(today, 29), to: today });
  const [summary, setSummary] = useState(null);
  const [failed, setFailed] = useState(null);
  async function load() {
    try {
      setSummary(await call(`/metrics/summary?from=${range.from}&to=${range.to}`));
      setFailed(null);
    } catch (error) {
      setFailed(error.message || t("errors.network"));
    }
  }
  useEffect(() => { load(); }, []);
  return html`<${Page} title=${t("stats.title")}>
    <p>${t("stats.lead")}</p>
    <form class="filters" onSubmit=${(e) => { e.preventDefault(); load(); }}>
      <div class="field"><label for="s-from">${t("stats.from")}</label><input type="date" id="s-from" value=${range.from} max=${today} onInput=${(e) => setRange({ ...range, from: e.target.value })} /></div>
      <div class="field"><label for="s-to">${t("stats.to")}</label><input type="date" id="s-to" value=${range.to} max=${today} onInput=${(e) => setRange({ ...range, to: e.target.value })} /></div>
      <div class="field"><button type="submit" class="secondary">${t("stats.show")}</button></div>
    </form>
    ${failed && html`<${Notice} kind="error">${failed}<//>`}
    ${summary && html`
      <h2>${t("stats.response")}</h2>
      <${ResponseByAgency} summary=${summary} agencies=${agencies} />
      <h2>${t("stats.city")}</h2>
      <${CityFigures} figures=${summary.city} />`}
  <//>`;
}
