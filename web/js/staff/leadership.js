// Leadership's reports: the breakdown of a period by agency, category, kecamatan or month (received, the
// response time in working days and in days against the target, on-time rates, overdue backlog), each officer's
// activity, and the monthly recap for the coordination meeting (rakor) with its printable page and CSV.
// Charts are `BarChart`s (SVG with a text alternative); every figure is also in a table.
import { html, useEffect, useState } from "../lib.js";
import { lang, t } from "../i18n.js";
import { call, ApiError } from "../api.js";
import { BarChart, ErrorSummary, Field, Notice, Page, describedBy, fieldErrors } from "../ui.js";
import { date, dateTime, number, percent, todayWib } from "../format.js";
import { TableBox, explain, saveDownload } from "./admin.js";

const DIMENSIONS = ["agency", "category", "kecamatan", "month"];
const MAX_DAYS = 92; // the API's longest range

function shiftDays(iso, days) {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function daysBetween(from, to) {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86400000) + 1;
}

function monthName(month) {
  return new Intl.DateTimeFormat(lang() === "en" ? "en-GB" : "id-ID", { month: "long", year: "numeric", timeZone: "UTC" })
    .format(new Date(`${month}-01T00:00:00Z`));
}

function previousMonth(today) {
  const [y, m] = today.split("-").map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, "0")}`;
}

/** Whether a mean response time meets the target, as the API decides it: `mean_hk < target`; null without data. */
export function meetsTarget(responseTime, target) {
  if (target == null || !responseTime.n) return null;
  return responseTime.mean_hk < target;
}

function Verdict({ met }) {
  if (met === null || met === undefined) return html`<span class="muted">${t("lead.target.none")}</span>`;
  return html`<strong class="tag ${met ? "done" : "late"}">${t(met ? "lead.target.met" : "lead.target.missed")}</strong>`;
}

/** The target of the deployment (ResponseTimeTargetHk), as the recap of the current month states it. */
let targetRequest = null;
function useTarget(session) {
  const [target, setTarget] = useState(null);
  useEffect(() => {
    if (!targetRequest) {
      targetRequest = call(`/staff/recap/${todayWib().slice(0, 7)}?format=json`, { token: session.token })
        .then((recap) => recap.target_hk)
        .catch(() => { targetRequest = null; return null; });
    }
    targetRequest.then(setTarget);
  }, []);
  return target;
}

function labeller(by, catalog) {
  const agencies = Object.fromEntries(catalog.agencies.map((a) => [a.id, a.short_name || a.name]));
  const categories = Object.fromEntries(catalog.categories.map((c) => [c.code, c.name]));
  return (key) => {
    if (key === null || key === undefined) return t(`lead.key.none.${by}`);
    if (key === "unknown") return t("lead.key.unknown");
    if (by === "agency") return agencies[key] || key;
    if (by === "category") return categories[key] || key;
    if (by === "month") return monthName(key);
    return key;
  };
}

/** One row a group: received, the response time in HK and in days, the target, on-time rates, backlog. */
function FiguresTable({ caption, head, rows, target }) {
  return html`<${TableBox} label=${caption}><table class="figures">
    <caption class="visually-hidden">${caption}</caption>
    <thead><tr><th scope="col">${head}</th><th scope="col" class="num">${t("lead.col.received")}</th>
      <th scope="col" class="num">${t("lead.col.n")}</th><th scope="col" class="num">${t("lead.col.mean_hk")}</th>
      <th scope="col" class="num">${t("lead.col.median_hk")}</th><th scope="col" class="num">${t("lead.col.p90_hk")}</th>
      <th scope="col" class="num">${t("lead.col.mean_days")}</th><th scope="col">${t("lead.col.target")}</th>
      <th scope="col" class="num">${t("lead.col.on_time_respond")}</th><th scope="col" class="num">${t("lead.col.on_time_resolve")}</th>
      <th scope="col" class="num">${t("lead.col.overdue")}</th></tr></thead>
    <tbody>${rows.map(({ label, figures: f, strong }) => {
      const rt = f.response_time;
      const met = f.response_time_target_met !== undefined ? f.response_time_target_met : meetsTarget(rt, target);
      return html`<tr class=${strong ? "total" : ""}>
        <th scope="row">${label}</th><td class="num">${f.received}</td><td class="num">${rt.n}</td>
        <td class="num">${rt.n ? number(rt.mean_hk, 2) : "–"}</td><td class="num">${rt.n ? number(rt.median_hk, 2) : "–"}</td>
        <td class="num">${rt.n ? number(rt.p90_hk, 2) : "–"}</td><td class="num">${rt.n ? number(rt.mean_days, 2) : "–"}</td>
        <td><${Verdict} met=${met} /></td>
        <td class="num">${percent(f.on_time_rate.respond)}</td><td class="num">${percent(f.on_time_rate.resolve)}</td>
        <td class="num">${f.backlog.overdue}</td>
      </tr>`;
    })}</tbody>
  </table><//>`;
}

/** The response time of groups as two charts (HK, then days), fastest first; groups without a sample left out. */
function ResponseCharts({ rows, target, what, ordered }) {
  const timed = rows.filter((r) => r.figures.response_time.n > 0);
  if (!timed.length) return html`<p class="muted">${t("lead.none.response")}</p>`;
  const sorted = ordered ? timed : [...timed].sort((a, b) => a.figures.response_time.mean_hk - b.figures.response_time.mean_hk);
  const targetText = target == null ? "" : ` ${t("lead.chart.target", { target: number(target, 1) })}`;
  return html`
    <${BarChart} title=${t("lead.chart.response.hk", { what }) + targetText} unit=${t("units.hk")}
      rows=${sorted.map((r) => ({ label: r.label, value: r.figures.response_time.mean_hk }))} />
    <${BarChart} title=${t("lead.chart.response.days", { what })} unit=${t("units.days")}
      rows=${sorted.map((r) => ({ label: r.label, value: r.figures.response_time.mean_days }))} />`;
}

function ReceivedChart({ rows, what, ordered }) {
  const some = rows.filter((r) => r.figures.received > 0);
  if (!some.length) return html`<p class="muted">${t("lead.none.received")}</p>`;
  const sorted = ordered ? some : [...some].sort((a, b) => b.figures.received - a.figures.received);
  return html`<${BarChart} title=${t("lead.chart.received", { what })} unit=${t("lead.unit.reports")} digits=${0}
    rows=${sorted.map((r) => ({ label: r.label, value: r.figures.received }))} />`;
}

function officerLabel(o) {
  return o.name || t("lead.officer.unknown", { id: o.officer_id.slice(0, 8) });
}

/** Each officer's follow-ups, closes and first-response times; the most active as a chart. */
function OfficerActivity({ items, catalog, limitChart = 10 }) {
  const agencies = Object.fromEntries(catalog.agencies.map((a) => [a.id, a.short_name || a.name]));
  if (!items.length) return html`<p class="muted">${t("lead.none.officers")}</p>`;
  const active = items.filter((o) => o.followups + o.closes > 0).slice(0, limitChart);
  return html`
    ${active.length > 0 && html`<${BarChart} title=${t("lead.chart.officers", { n: active.length })} unit=${t("lead.unit.actions")} digits=${0}
      rows=${active.map((o) => ({ label: officerLabel(o), value: o.followups + o.closes }))} />`}
    <${TableBox} label=${t("lead.officers")}><table class="figures">
      <caption class="visually-hidden">${t("lead.officers")}</caption>
      <thead><tr><th scope="col">${t("lead.col.officer")}</th><th scope="col">${t("lead.col.agency")}</th>
        <th scope="col" class="num">${t("lead.col.followups")}</th><th scope="col" class="num">${t("lead.col.closes")}</th>
        <th scope="col" class="num">${t("lead.col.first")}</th><th scope="col" class="num">${t("lead.col.mean_hk")}</th>
        <th scope="col" class="num">${t("lead.col.mean_days")}</th></tr></thead>
      <tbody>${items.map((o) => html`<tr>
        <th scope="row">${officerLabel(o)}</th><td>${o.agency_id ? agencies[o.agency_id] || o.agency_id : "–"}</td>
        <td class="num">${o.followups}</td><td class="num">${o.closes}</td><td class="num">${o.response_time.n}</td>
        <td class="num">${o.response_time.n ? number(o.response_time.mean_hk, 2) : "–"}</td>
        <td class="num">${o.response_time.n ? number(o.response_time.mean_days, 2) : "–"}</td>
      </tr>`)}</tbody>
    </table><//>`;
}

/** A period of WIB days (at most 92, none after today), and for the breakdown what to group by. */
function PeriodForm({ initial, withDimension, onShow }) {
  const today = todayWib();
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState({});
  const set = (name) => (e) => setValues({ ...values, [name]: e.target.value });
  function submit(event) {
    event.preventDefault();
    const found = {};
    if (!values.from) found.from = t("lead.period.from.required");
    if (!values.to) found.to = t("lead.period.to.required");
    else if (values.to > today) found.to = t("lead.period.to.future");
    if (values.from && values.to && !found.to) {
      if (values.from > values.to) found.from = t("lead.period.order");
      else if (daysBetween(values.from, values.to) > MAX_DAYS) found.from = t("lead.period.long", { days: MAX_DAYS });
    }
    setErrors(found);
    if (!Object.keys(found).length) onShow(values, setErrors);
  }
  return html`
    <${ErrorSummary} errors=${errors} fields=${{ from: "p-from", to: "p-to", by: "p-by", _: "p-from" }} />
    <form class="filters" novalidate onSubmit=${submit}>
      <${Field} id="p-from" label=${t("lead.period.from")} error=${errors.from || errors._}>
        <input type="date" id="p-from" value=${values.from} max=${today} onInput=${set("from")}
          aria-describedby=${describedBy("p-from", false, errors.from || errors._)} aria-invalid=${errors.from ? "true" : undefined} />
      <//>
      <${Field} id="p-to" label=${t("lead.period.to")} error=${errors.to}>
        <input type="date" id="p-to" value=${values.to} max=${today} onInput=${set("to")}
          aria-describedby=${describedBy("p-to", false, errors.to)} aria-invalid=${errors.to ? "true" : undefined} />
      <//>
      ${withDimension && html`<div class="field"><label for="p-by">${t("lead.by")}</label>
        <select id="p-by" value=${values.by} onChange=${set("by")}>
          ${DIMENSIONS.map((d) => html`<option value=${d}>${t("lead.by." + d)}</option>`)}
        </select></div>`}
      <div class="field"><button type="submit" class="secondary">${t("lead.show")}</button></div>
    </form>`;
}

function defaultPeriod() {
  const to = todayWib();
  return { from: shiftDays(to, -29), to, by: "agency" };
}

/** A range's query; 422 (a range the API refuses) goes back to the form's fields, anything else is a notice. */
async function fetchRange(path, period, session, setErrors) {
  try {
    return { answer: await call(`${path}${path.includes("?") ? "&" : "?"}from=${period.from}&to=${period.to}`, { token: session.token }) };
  } catch (error) {
    if (error instanceof ApiError && error.status === 422) {
      setErrors(fieldErrors(error, ["from", "to", "by"]));
      return {};
    }
    return { failed: explain(error) };
  }
}

export function LeadershipPage({ session, catalog }) {
  const target = useTarget(session);
  const [period, setPeriod] = useState(null);
  const [breakdown, setBreakdown] = useState(null);
  const [activity, setActivity] = useState(null);
  const [failed, setFailed] = useState(null);

  async function show(values, setErrors) {
    const [b, a] = await Promise.all([
      fetchRange(`/staff/metrics/breakdown?by=${values.by}`, values, session, setErrors),
      fetchRange("/staff/metrics/officers", values, session, setErrors),
    ]);
    setFailed(b.failed || a.failed || null);
    if (b.answer && a.answer) {
      setPeriod({ ...values });
      setBreakdown(b.answer);
      setActivity(a.answer.items);
    }
  }
  useEffect(() => { show(defaultPeriod(), () => {}); }, []);

  const label = breakdown && labeller(breakdown.by, catalog);
  const rows = breakdown ? breakdown.items.map((item) => ({ label: label(item.key), figures: item })) : [];
  const what = breakdown && t("lead.by." + breakdown.by).toLowerCase();
  return html`<${Page} title=${t("lead.title")}>
    <p>${t("lead.lead")}</p>
    ${target != null && html`<p>${t("lead.target", { target: number(target, 1) })}</p>`}
    <${PeriodForm} initial=${defaultPeriod()} withDimension=${true} onShow=${show} />
    ${failed && html`<${Notice} kind="error">${failed}<//>`}
    ${breakdown && html`
      <p class="muted" role="status">${t("lead.period.shown", { from: date(`${period.from}T12:00:00+07:00`), to: date(`${period.to}T12:00:00+07:00`) })}</p>
      <h2>${t("lead.response", { what })}</h2>
      <${ResponseCharts} rows=${rows} target=${target} what=${what} ordered=${breakdown.by === "month"} />
      <h2>${t("lead.received", { what })}</h2>
      <${ReceivedChart} rows=${rows} what=${what} ordered=${breakdown.by === "month"} />
      <h2>${t("lead.figures", { what })}</h2>
      ${rows.length ? html`<${FiguresTable} caption=${t("lead.figures", { what })} head=${t("lead.by." + breakdown.by)} rows=${rows} target=${target} />`
        : html`<p class="muted">${t("lead.none.received")}</p>`}
      <p class="muted">${t(breakdown.by === "agency" ? "lead.note.received.agency" : "lead.note.received.other")} ${t("lead.note.backlog")}</p>
      <h2>${t("lead.officers")}</h2>
      <p>${t("lead.officers.lead")}</p>
      <${OfficerActivity} items=${activity} catalog=${catalog} />`}
  <//>`;
}

/** The official's page: its own agency's officers' activity (GET /staff/metrics/officers is scoped). */
export function ActivityPage({ session, catalog }) {
  const [items, setItems] = useState(null);
  const [failed, setFailed] = useState(null);
  async function show(values, setErrors) {
    const { answer, failed: problem } = await fetchRange("/staff/metrics/officers", values, session, setErrors);
    setFailed(problem || null);
    if (answer) setItems(answer.items);
  }
  useEffect(() => { show(defaultPeriod(), () => {}); }, []);
  return html`<${Page} title=${t("lead.officers")}>
    <p>${t("lead.officers.lead")}</p>
    <${PeriodForm} initial=${defaultPeriod()} withDimension=${false} onShow=${show} />
    ${failed && html`<${Notice} kind="error">${failed}<//>`}
    ${items && html`<${OfficerActivity} items=${items} catalog=${catalog} />`}
  <//>`;
}

// --- the monthly recap ----------------------------------------------------------------------------------

// The printable page carries its own inline styles, which the console's content security policy (style-src
// 'self') refuses in any window the console opens (a blob: or about:blank document inherits the policy). So
// the page is copied into a new window through the DOM, and its styles through the CSSOM, which the policy
// allows: the <style> as a constructed style sheet, each style attribute through `element.style`. The API
// escapes every text that comes from data (lapor.domain.recap_render), so `<style` and ` style="` occur only
// in its own markup; they are taken out before parsing, so that parsing applies no inline style either.
const STYLE_BLOCK = /<style[^>]*>([\s\S]*?)<\/style>/gi;

function showPrintable(popup, page) {
  const css = [];
  const inert = page.replace(STYLE_BLOCK, (_, rules) => { css.push(rules); return ""; }).replace(/ style="/g, ' data-style="');
  const source = new DOMParser().parseFromString(inert, "text/html");
  const target = popup.document;
  target.documentElement.lang = source.documentElement.lang || "id";
  target.title = source.title;
  const sheet = new popup.CSSStyleSheet();
  sheet.replaceSync(css.join("\n"));
  target.adoptedStyleSheets = [sheet];
  const body = target.importNode(source.body, true);
  for (const element of body.querySelectorAll("[data-style]")) {
    element.style.cssText = element.getAttribute("data-style");
    element.removeAttribute("data-style");
  }
  target.body.replaceWith(body);
}

export function RecapPage({ session, catalog }) {
  const today = todayWib();
  const [month, setMonth] = useState(previousMonth(today));
  const [recap, setRecap] = useState(null);
  const [errors, setErrors] = useState({});
  const [failed, setFailed] = useState(null);
  const [done, setDone] = useState(null);
  const valid = (m) => /^\d{4}-(0[1-9]|1[0-2])$/.test(m) && m <= today.slice(0, 7);

  async function load(wanted = month) {
    if (!valid(wanted)) return setErrors({ month: t("lead.recap.month.invalid") });
    setErrors({});
    try {
      setRecap(await call(`/staff/recap/${wanted}?format=json`, { token: session.token }));
      setFailed(null);
      setDone(null);
    } catch (error) {
      if (error instanceof ApiError && error.status === 422) setErrors({ month: error.message });
      else setFailed(explain(error));
    }
  }
  useEffect(() => { load(); }, []);

  function print() {
    // Opened at once, within the click: a window opened after an await is a pop-up the browser may block.
    const popup = window.open("", "_blank");
    if (!popup) return setFailed(t("lead.recap.print.blocked"));
    popup.document.title = t("loading");
    popup.document.body.textContent = t("loading");
    call(`/staff/recap/${recap.month}?format=html`, { token: session.token, raw: true })
      .then((response) => response.text())
      .then((page) => {
        showPrintable(popup, page);
        popup.focus();
        popup.print();
        setDone(t("lead.recap.print.done"));
      })
      .catch((error) => {
        popup.close();
        setFailed(explain(error));
      });
  }

  async function download() {
    try {
      const name = `rekap-${recap.month}.csv`;
      await saveDownload(await call(`/staff/recap/${recap.month}?format=csv`, { token: session.token, raw: true }), name);
      setDone(t("lead.recap.csv.done", { name }));
    } catch (error) {
      setFailed(explain(error));
    }
  }

  const names = Object.fromEntries(catalog.agencies.map((a) => [a.id, a.short_name || a.name]));
  const rows = recap ? recap.agencies.map((a) => ({ label: names[a.agency_id] || a.name, figures: a })) : [];
  const what = t("lead.by.agency").toLowerCase();
  const city = recap?.city;
  return html`<${Page} title=${t("lead.recap.title")}>
    <p>${t("lead.recap.lead")}</p>
    <${ErrorSummary} errors=${errors} fields=${{ month: "r-month" }} />
    <form class="filters" novalidate onSubmit=${(e) => { e.preventDefault(); load(); }}>
      <${Field} id="r-month" label=${t("lead.recap.month")} hint=${t("lead.recap.month.hint")} error=${errors.month}>
        <input type="month" id="r-month" value=${month} max=${today.slice(0, 7)} onInput=${(e) => setMonth(e.target.value)}
          aria-describedby=${describedBy("r-month", true, errors.month)} aria-invalid=${errors.month ? "true" : undefined} />
      <//>
      <div class="field"><button type="submit" class="secondary">${t("lead.show")}</button></div>
    </form>
    ${failed && html`<${Notice} kind="error">${failed}<//>`}
    ${recap && html`
      <h2>${t("lead.recap.of", { month: monthName(recap.month) })}</h2>
      <div class="actions">
        <button type="button" onClick=${print}>${t("lead.recap.print")}</button>
        <button type="button" class="secondary" onClick=${download}>${t("lead.recap.csv")}</button>
      </div>
      ${done && html`<p role="status">${done}</p>`}
      <dl class="summary-list">
        <div><dt>${t("lead.recap.target")}</dt><dd>${t("lead.recap.target.value", { target: number(recap.target_hk, 1) })}</dd></div>
        <div><dt>${t("lead.recap.received")}</dt><dd>${city.received}</dd></div>
        <div><dt>${t("lead.recap.response")}</dt><dd>${city.response_time.n
          ? t("lead.recap.response.value", { hk: number(city.response_time.mean_hk, 2), days: number(city.response_time.mean_days, 2), n: city.response_time.n })
          : "–"} <${Verdict} met=${city.response_time_target_met} /></dd></div>
        <div><dt>${t("lead.col.on_time_respond")}</dt><dd>${percent(city.on_time_rate.respond)}</dd></div>
        <div><dt>${t("lead.col.on_time_resolve")}</dt><dd>${percent(city.on_time_rate.resolve)}</dd></div>
        <div><dt>${t("lead.col.overdue")}</dt><dd>${city.backlog.overdue}${" "}
          <span class="muted">${recap.backlog_as_of ? t("lead.recap.backlog.as_of", { date: date(`${recap.backlog_as_of}T12:00:00+07:00`) }) : t("lead.recap.backlog.none")}</span></dd></div>
      </dl>
      <h2>${t("lead.response", { what })}</h2>
      <${ResponseCharts} rows=${rows} target=${recap.target_hk} what=${what} />
      <h2>${t("lead.received", { what })}</h2>
      <${ReceivedChart} rows=${rows} what=${what} />
      <h2>${t("lead.figures", { what })}</h2>
      <${FiguresTable} caption=${t("lead.figures", { what })} head=${t("lead.by.agency")} target=${recap.target_hk}
        rows=${[{ label: t("lead.recap.city"), figures: city, strong: true }, ...rows]} />
      <p class="muted">${t("lead.note.received.agency")} ${t("lead.note.backlog")}</p>
      <h2>${t("lead.recap.officers")}</h2>
      <${OfficerActivity} items=${recap.officers} catalog=${catalog} />
      <p class="muted">${t("lead.recap.generated", { at: dateTime(recap.generated_at) })}</p>`}
  <//>`;
}
