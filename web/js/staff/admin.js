// The coordinator's settings: the working-day calendar (a delta per year) and the routing rules; and the
// Open311 API keys. Also what the administration pages share: an API refusal in plain words, a download.
import { html, useEffect, useRef, useState } from "../lib.js";
import { t } from "../i18n.js";
import { call, ApiError, NetworkError, getConfig } from "../api.js";
import { ErrorSummary, Notice, Page, fieldErrors } from "../ui.js";
import { date, dateTime } from "../format.js";

export function CalendarPage({ session }) {
  const [year, setYear] = useState(new Date().getFullYear());
  const [shown, setShown] = useState(year);
  const [calendar, setCalendar] = useState(null);
  const [day, setDay] = useState("");
  const [notice, setNotice] = useState(null);
  async function load(y = shown) {
    try {
      setCalendar(await call(`/staff/calendar/${y}`, { token: session.token }));
    } catch (error) {
      setNotice({ kind: "error", text: error.message });
    }
  }
  useEffect(() => { load(); }, [shown]);
  async function change(delta) {
    try {
      setCalendar(await call(`/staff/calendar/${shown}`, { method: "PUT", token: session.token, body: delta }));
      setNotice({ kind: "ok", text: t("calendar.saved") });
    } catch (error) {
      setNotice({ kind: "error", text: error.message });
    }
  }
  return html`<${Page} title=${t("calendar.title")}>
    <p>${t("calendar.lead")}</p>
    <form class="filters" onSubmit=${(e) => { e.preventDefault(); setShown(Number(year)); }}>
      <div class="field"><label for="c-year">${t("calendar.year")}</label><input type="number" id="c-year" class="short" min="2000" max="2100" value=${year} onInput=${(e) => setYear(e.target.value)} /></div>
      <div class="field"><button type="submit" class="secondary">${t("calendar.show")}</button></div>
    </form>
    ${notice && html`<${Notice} kind=${notice.kind}>${notice.text}<//>`}
    <h2>${t("calendar.add")}</h2>
    <form class="filters" onSubmit=${(e) => { e.preventDefault(); if (day) change({ add: [day], remove: [] }).then(() => setDay("")); }}>
      <div class="field"><label for="c-add">${t("calendar.date")}</label><input type="date" id="c-add" min=${`${shown}-01-01`} max=${`${shown}-12-31`} value=${day} onInput=${(e) => setDay(e.target.value)} /></div>
      <div class="field"><button type="submit">${t("calendar.add.submit")}</button></div>
    </form>
    ${calendar && html`
      <h2>${t("calendar.days", { year: calendar.year })}</h2>
      <div class="table-wrap"><table>
        <thead><tr><th scope="col">${t("calendar.date")}</th><th scope="col"></th><th scope="col"></th></tr></thead>
        <tbody>${calendar.days.map((d) => html`<tr>
          <th scope="row">${date(`${d.date}T12:00:00+07:00`)}</th>
          <td>${d.name || ""} <span class="muted">(${t("calendar.source." + d.source)})</span></td>
          <td><button type="button" class="link" onClick=${() => change({ add: [], remove: [d.date] })}>${t("calendar.remove")}<span class="visually-hidden"> ${d.date}</span></button></td>
        </tr>`)}</tbody>
      </table></div>
      ${calendar.removed.length > 0 && html`<h2>${t("calendar.removed")}</h2>
        <ul>${calendar.removed.map((d) => {
          const iso = typeof d === "string" ? d : d.date;
          return html`<li>${date(`${iso}T12:00:00+07:00`)} <button type="button" class="link" onClick=${() => change({ add: [iso], remove: [] })}>${t("calendar.restore")}<span class="visually-hidden"> ${iso}</span></button></li>`;
        })}</ul>`}`}
  <//>`;
}

export function RulesPage({ session, catalog }) {
  const [rules, setRules] = useState(null);
  const [notice, setNotice] = useState(null);
  const [errors, setErrors] = useState({});
  useEffect(() => {
    call("/staff/routing-rules", { token: session.token }).then((r) => setRules(r.rules)).catch((e) => setNotice({ kind: "error", text: e.message }));
  }, []);
  const update = (i, field, value) => setRules(rules.map((r, j) => (j === i ? { ...r, [field]: value } : r)));
  async function save(event) {
    event.preventDefault();
    try {
      const body = { rules: rules.map((r) => ({ category: r.category, agency_id: r.agency_id, auto_dispose: Boolean(r.auto_dispose), ...(r.kecamatan ? { kecamatan: r.kecamatan } : {}) })) };
      const saved = await call("/staff/routing-rules", { method: "PUT", token: session.token, body });
      setRules(saved.rules);
      setErrors({});
      setNotice({ kind: "ok", text: t("rules.saved") });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      setErrors(fieldErrors(error, []));
      setNotice(null);
    }
  }
  const kecamatan = getConfig().city.kecamatan;
  return html`<${Page} title=${t("rules.title")}>
    <p>${t("rules.lead")}</p>
    ${notice && html`<${Notice} kind=${notice.kind}>${notice.text}<//>`}
    <${ErrorSummary} errors=${errors} fields=${{ _: "rules" }} />
    ${rules && html`<form onSubmit=${save} id="rules">
      <div class="table-wrap"><table>
        <thead><tr><th scope="col">${t("rules.category")}</th><th scope="col">${t("rules.kecamatan")}</th><th scope="col">${t("rules.agency")}</th><th scope="col">${t("rules.auto")}</th><th scope="col"></th></tr></thead>
        <tbody>${rules.map((rule, i) => {
          const n = t("rules.row", { n: i + 1 });
          return html`<tr>
            <td><select aria-label=${`${t("rules.category")}, ${n}`} value=${rule.category} onChange=${(e) => update(i, "category", e.target.value)}>
              <option value=""></option>${catalog.categories.map((c) => html`<option value=${c.code}>${c.name}</option>`)}</select></td>
            <td><select aria-label=${`${t("rules.kecamatan")}, ${n}`} value=${rule.kecamatan || ""} onChange=${(e) => update(i, "kecamatan", e.target.value || null)}>
              <option value="">${t("rules.any")}</option>${kecamatan.map((k) => html`<option value=${k}>${k}</option>`)}</select></td>
            <td><select aria-label=${`${t("rules.agency")}, ${n}`} value=${rule.agency_id} onChange=${(e) => update(i, "agency_id", e.target.value)}>
              <option value=""></option>${catalog.agencies.map((a) => html`<option value=${a.id}>${a.short_name}</option>`)}</select></td>
            <td><input type="checkbox" aria-label=${`${t("rules.auto")}, ${n}`} checked=${rule.auto_dispose} onChange=${(e) => update(i, "auto_dispose", e.target.checked)} /></td>
            <td><button type="button" class="link" onClick=${() => setRules(rules.filter((_, j) => j !== i))}>${t("rules.remove")}<span class="visually-hidden"> ${i + 1}</span></button></td>
          </tr>`;
        })}</tbody>
      </table></div>
      <button type="button" class="secondary" onClick=${() => setRules([...rules, { category: "", kecamatan: null, agency_id: "", auto_dispose: false }])}>${t("rules.add")}</button>
      <button type="submit">${t("rules.save")}</button>
    </form>`}
  <//>`;
}

export function KeysPage({ session }) {
  const [keys, setKeys] = useState(null);
  const [name, setName] = useState("");
  const [issued, setIssued] = useState(null);
  const [notice, setNotice] = useState(null);
  const load = () => call("/staff/open311/keys", { token: session.token }).then((r) => setKeys(r.items)).catch((e) => setNotice(e.message));
  useEffect(() => { load(); }, []);
  async function issue(event) {
    event.preventDefault();
    if (!name.trim()) return;
    try {
      setIssued(await call("/staff/open311/keys", { method: "POST", token: session.token, body: { name: name.trim() } }));
      setName("");
      load();
    } catch (error) {
      setNotice(error.message);
    }
  }
  async function revoke(key) {
    if (!window.confirm(t("keys.revoke.confirm", { name: key.name }))) return;
    try {
      await call(`/staff/open311/keys/${encodeURIComponent(key.key_id)}`, { method: "DELETE", token: session.token });
      load();
    } catch (error) {
      setNotice(error.message);
    }
  }
  return html`<${Page} title=${t("keys.title")}>
    <p>${t("keys.lead")}</p>
    ${notice && html`<${Notice} kind="error">${notice}<//>`}
    ${issued && html`<${Notice} kind="ok">${t("keys.issued", { name: issued.name })}<br /><code>${issued.key}</code><//>`}
    <form class="filters" onSubmit=${issue}>
      <div class="field"><label for="k-name">${t("keys.name")}</label><input type="text" id="k-name" maxlength="100" value=${name} onInput=${(e) => setName(e.target.value)} /></div>
      <div class="field"><button type="submit">${t("keys.issue")}</button></div>
    </form>
    ${keys && (keys.length === 0 ? html`<p class="muted">${t("keys.none")}</p>` : html`<div class="table-wrap"><table>
      <thead><tr><th scope="col">${t("keys.name")}</th><th scope="col">${t("keys.created")}</th><th scope="col"></th></tr></thead>
      <tbody>${keys.map((k) => html`<tr><th scope="row">${k.name}</th><td>${dateTime(k.created_at)}</td>
        <td><button type="button" class="link" onClick=${() => revoke(k)}>${t("keys.revoke", { name: k.name })}</button></td></tr>`)}</tbody>
    </table></div>`)}
  <//>`;
}

/**
 * An API refusal in plain words for a notice: who may not (403), a session that ended or an officer made
 * inactive (401), no network; otherwise the API's own message (Indonesian or English, as asked).
 */
export function explain(error) {
  if (error instanceof NetworkError) return t("errors.network");
  if (!(error instanceof ApiError)) throw error;
  if (error.status === 401) return t("adm.error.401");
  if (error.status === 403) return t("adm.error.403");
  if (error.status === 429 || error.status === 503) return t("adm.error.busy");
  return error.message;
}

/** Save a fetched file (a CSV export) under `name` through a temporary object URL. */
export async function saveDownload(response, name) {
  const blob = await response.blob();
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

/** Active or inactive, in words (not by colour alone). */
export function ActiveTag({ active }) {
  return html`<strong class="tag ${active ? "" : "off"}">${t(active ? "adm.active" : "adm.inactive")}</strong>`;
}

/** A table that may scroll sideways on a phone: the scrolling box is focusable and named, for the keyboard. */
export function TableBox({ label, children }) {
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label=${label}>${children}</div>`;
}

/** The heading of a form that has just opened takes the focus (a screen reader hears where it is). */
export function useFocusOnOpen() {
  const heading = useRef(null);
  useEffect(() => heading.current?.focus(), []);
  return heading;
}

/**
 * An administration form's state and submission: the values; the field errors for the error summary (the
 * form's own `check` first, then the API's 422 details for `fields`, or what `refusal` makes of another
 * answer); a problem that belongs to no field; a busy flag. Nothing typed is lost when the API refuses.
 * `send(values)` answers the saved item for `onSaved`, or nothing when it had nothing to send.
 */
export function useAdminForm({ initial, check, send, fields, onSaved, refusal }) {
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState({});
  const [problem, setProblem] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (name) => (e) => setValues({ ...values, [name]: e.target.value });
  async function submit(event) {
    event.preventDefault();
    const found = check(values);
    setErrors(found);
    setProblem(null);
    if (Object.keys(found).length) return;
    setBusy(true);
    try {
      const saved = await send(values, setProblem);
      if (saved) onSaved(saved);
    } catch (error) {
      const own = refusal && refusal(error);
      if (own) setErrors(own);
      else if (error instanceof ApiError && error.status === 422) setErrors(fieldErrors(error, fields));
      else setProblem(explain(error));
    } finally {
      setBusy(false);
    }
  }
  return { values, set, errors, problem, busy, submit };
}

/** A notice that takes the focus when it appears, so that the outcome of a row's button is heard. */
export function Outcome({ notice }) {
  const box = useRef(null);
  useEffect(() => { if (notice) box.current?.focus(); }, [notice]);
  if (!notice) return null;
  return html`<div tabindex="-1" ref=${box} class="outcome"><${Notice} kind=${notice.kind}>${notice.body}<//></div>`;
}
