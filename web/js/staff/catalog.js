// The city's lists at run time (coordinator): perangkat daerah (agencies) and categories, active and inactive;
// add, edit, deactivate and reactivate (PUT /staff/agencies/{id}, PUT /staff/categories/{code}; the API audits
// each change). An agency that still holds open reports cannot be deactivated (409): the page lists them.
import { html, useEffect, useState } from "../lib.js";
import { t } from "../i18n.js";
import { call, ApiError } from "../api.js";
import { ErrorSummary, Field, Notice, Page, describedBy } from "../ui.js";
import { ActiveTag, Outcome, TableBox, explain, useAdminForm, useFocusOnOpen } from "./admin.js";

const CODE = /^[a-z0-9][a-z0-9-]{0,39}$/;
const TYPES = ["complaint", "aspiration", "information_request"];
const OPEN = ["DISPOSED", "IN_PROGRESS"]; // what an agency holds until it forwards or closes them

/** The form's own text inputs: label above, hint, error, described by both. */
function TextInput({ id, label, hint, error, value, onInput, maxlength, disabled }) {
  return html`<${Field} id=${id} label=${label} hint=${hint} error=${error}>
    <input type="text" id=${id} value=${value} maxlength=${maxlength} disabled=${disabled} spellcheck="false"
      aria-describedby=${describedBy(id, hint, error)} aria-invalid=${error ? "true" : undefined} onInput=${onInput} />
  <//>`;
}

/** The outcome of a form's submission that belongs to no field (403, a busy store, the network). */
function FormProblem({ text }) {
  return text ? html`<${Notice} kind="error">${text}<//>` : null;
}

/** A new code (agency id, category code): given, well-formed, not taken already. */
function checkCode(code, known, key, messages) {
  const taken = known.find((item) => item[key] === code);
  if (!code) return messages.required;
  if (!CODE.test(code)) return t("adm.code.invalid");
  if (taken) return t(messages.taken, { name: taken.name });
  return null;
}

function AgencyForm({ session, agency, known, onSaved, onCancel }) {
  const creating = !agency;
  const heading = useFocusOnOpen();
  const form = useAdminForm({
    initial: { id: agency?.id || "", name: agency?.name || "", short_name: agency?.short_name || "" },
    fields: ["name", "short_name"],
    check(values) {
      const found = {};
      const id = creating && checkCode(values.id.trim(), known, "id", { required: t("adm.agency.id.required"), taken: "adm.agency.id.taken" });
      if (id) found.id = id;
      if (values.name.trim().length < 2) found.name = t("adm.agency.name.required");
      if (!values.short_name.trim()) found.short_name = t("adm.agency.short.required");
      return found;
    },
    send(values) {
      const id = creating ? values.id.trim() : agency.id;
      const body = { name: values.name.trim(), short_name: values.short_name.trim(), active: creating ? true : agency.active };
      return call(`/staff/agencies/${encodeURIComponent(id)}`, { method: "PUT", token: session.token, body });
    },
    onSaved: (saved) => onSaved(saved, creating),
  });
  const { values, set, errors } = form;

  return html`<section class="admin-form" aria-labelledby="ag-title">
    <h2 id="ag-title" tabindex="-1" ref=${heading}>${creating ? t("adm.agency.add") : t("adm.agency.edit", { name: agency.name })}</h2>
    <${ErrorSummary} errors=${errors} fields=${{ id: "ag-id", name: "ag-name", short_name: "ag-short", _: "ag-name" }} />
    <${FormProblem} text=${form.problem} />
    <form novalidate onSubmit=${form.submit}>
      <${TextInput} id="ag-id" label=${t("adm.agency.id")} hint=${creating ? t("adm.agency.id.hint") : t("adm.code.fixed")}
        error=${errors.id} value=${creating ? values.id : agency.id} maxlength="40" disabled=${!creating} onInput=${set("id")} />
      <${TextInput} id="ag-name" label=${t("adm.agency.name")} hint=${t("adm.agency.name.hint")} error=${errors.name}
        value=${values.name} maxlength="150" onInput=${set("name")} />
      <${TextInput} id="ag-short" label=${t("adm.agency.short")} hint=${t("adm.agency.short.hint")} error=${errors.short_name}
        value=${values.short_name} maxlength="40" onInput=${set("short_name")} />
      <button type="submit" disabled=${form.busy}>${t("adm.agency.save")}</button>
      <button type="button" class="secondary" onClick=${onCancel}>${t("adm.cancel")}</button>
    </form>
  </section>`;
}

function CategoryForm({ session, category, known, agencies, onSaved, onCancel }) {
  const creating = !category;
  const heading = useFocusOnOpen();
  const active = creating ? true : category.active;
  const form = useAdminForm({
    initial: {
      code: category?.code || "",
      name: category?.name || "",
      default_agency_id: category?.default_agency_id || "",
      default_type: category?.default_type || "complaint",
    },
    fields: ["name", "default_agency_id", "default_type"],
    check(values) {
      const found = {};
      const code = creating && checkCode(values.code.trim(), known, "code", { required: t("adm.category.code.required"), taken: "adm.category.code.taken" });
      if (code) found.code = code;
      if (values.name.trim().length < 2) found.name = t("adm.category.name.required");
      if (!values.default_agency_id) found.default_agency_id = t("adm.category.agency.required");
      return found;
    },
    send(values) {
      const code = creating ? values.code.trim() : category.code;
      const body = { name: values.name.trim(), default_agency_id: values.default_agency_id, default_type: values.default_type, active };
      return call(`/staff/categories/${encodeURIComponent(code)}`, { method: "PUT", token: session.token, body });
    },
    onSaved: (saved) => onSaved(saved, creating),
  });
  const { values, set, errors } = form;
  // An active category needs an active default agency; the current one stays listed (marked) so that it shows.
  const choices = agencies.filter((a) => a.active || a.id === values.default_agency_id);

  return html`<section class="admin-form" aria-labelledby="cat-title">
    <h2 id="cat-title" tabindex="-1" ref=${heading}>${creating ? t("adm.category.add") : t("adm.category.edit", { name: category.name })}</h2>
    <${ErrorSummary} errors=${errors} fields=${{ code: "cat-code", name: "cat-name", default_agency_id: "cat-agency", default_type: "cat-type-complaint", _: "cat-name" }} />
    <${FormProblem} text=${form.problem} />
    <form novalidate onSubmit=${form.submit}>
      <${TextInput} id="cat-code" label=${t("adm.category.code")} hint=${creating ? t("adm.category.code.hint") : t("adm.code.fixed")}
        error=${errors.code} value=${creating ? values.code : category.code} maxlength="40" disabled=${!creating} onInput=${set("code")} />
      <${TextInput} id="cat-name" label=${t("adm.category.name")} hint=${t("adm.category.name.hint")} error=${errors.name}
        value=${values.name} maxlength="150" onInput=${set("name")} />
      <${Field} id="cat-agency" label=${t("adm.category.agency")} hint=${t("adm.category.agency.hint")} error=${errors.default_agency_id}>
        <select id="cat-agency" value=${values.default_agency_id} onChange=${set("default_agency_id")}
          aria-describedby=${describedBy("cat-agency", true, errors.default_agency_id)} aria-invalid=${errors.default_agency_id ? "true" : undefined}>
          <option value=""></option>
          ${choices.map((a) => html`<option value=${a.id}>${a.name}${a.active ? "" : ` (${t("adm.inactive")})`}</option>`)}
        </select>
      <//>
      <fieldset class=${errors.default_type ? "error-field" : ""} aria-describedby="cat-type-hint">
        <legend>${t("adm.category.type")}</legend>
        <span class="hint" id="cat-type-hint">${t("adm.category.type.hint")}</span>
        ${errors.default_type && html`<span class="error-message"><span class="visually-hidden">${t("errors.prefix")}</span> ${errors.default_type}</span>`}
        ${TYPES.map((type) => html`<div class="choice">
          <input type="radio" name="cat-type" id=${"cat-type-" + type} value=${type} checked=${values.default_type === type} onChange=${set("default_type")} />
          <label for=${"cat-type-" + type}>${t("type." + type)}</label></div>`)}
      </fieldset>
      <button type="submit" disabled=${form.busy}>${t("adm.category.save")}</button>
      <button type="button" class="secondary" onClick=${onCancel}>${t("adm.cancel")}</button>
    </form>
  </section>`;
}

/** Why an agency could not be deactivated, with the open reports it holds (each a link to forward it). */
function StillOpen({ agency, reports }) {
  return html`<p><strong>${t("adm.agency.open.title", { name: agency.name })}</strong></p>
    <p>${t("adm.agency.open.lead")}</p>
    ${reports && reports.length > 0 && html`<ul>${reports.map((r) => html`<li><a href=${`#/laporan/${r.id}`}>${r.id}</a> – ${r.title}</li>`)}</ul>`}
    ${reports && reports.length >= 100 && html`<p>${t("adm.agency.open.more")}</p>`}
    <p>${t("adm.agency.open.then")}</p>`;
}

async function openReports(session, agencyId) {
  const lists = await Promise.all(
    OPEN.map((status) => call(`/staff/reports?agency_id=${encodeURIComponent(agencyId)}&status=${status}&limit=100`, { token: session.token }).then((r) => r.items)),
  );
  return lists.flat();
}

export function CatalogPage({ session, onChanged }) {
  const [agencies, setAgencies] = useState(null);
  const [categories, setCategories] = useState(null);
  const [editing, setEditing] = useState(null); // {kind: "agency" | "category", item: null (new) | the item}
  const [notice, setNotice] = useState(null);
  const [failed, setFailed] = useState(null);

  async function load() {
    try {
      const [a, c] = await Promise.all([
        call("/staff/agencies", { token: session.token }),
        call("/staff/categories", { token: session.token }),
      ]);
      setAgencies(a.items);
      setCategories(c.items);
      setFailed(null);
    } catch (error) {
      setFailed(explain(error));
    }
  }
  useEffect(() => { load(); }, []);

  function saved(kind, item, created) {
    setEditing(null);
    const key = `adm.${kind}.${created ? "added" : "saved"}`;
    setNotice({ kind: "ok", body: t(key, { name: item.name }) });
    load();
    onChanged();
  }

  async function setAgencyActive(agency, active) {
    try {
      await call(`/staff/agencies/${encodeURIComponent(agency.id)}`, {
        method: "PUT", token: session.token, body: { name: agency.name, short_name: agency.short_name, active },
      });
      setNotice({ kind: "ok", body: t(active ? "adm.agency.reactivated" : "adm.agency.deactivated", { name: agency.name }) });
      load();
      onChanged();
    } catch (error) {
      if (error instanceof ApiError && error.code === "agency_has_open_reports") {
        const reports = await openReports(session, agency.id).catch(() => null);
        setNotice({ kind: "error", body: html`<${StillOpen} agency=${agency} reports=${reports} />` });
      } else {
        setNotice({ kind: "error", body: explain(error) });
      }
    }
  }

  async function setCategoryActive(category, active) {
    const { name, default_agency_id, default_type } = category;
    try {
      await call(`/staff/categories/${encodeURIComponent(category.code)}`, {
        method: "PUT", token: session.token, body: { name, default_agency_id, default_type, active },
      });
      setNotice({ kind: "ok", body: t(active ? "adm.category.reactivated" : "adm.category.deactivated", { name }) });
      load();
      onChanged();
    } catch (error) {
      const agencyRefused = error instanceof ApiError && error.status === 422;
      setNotice({ kind: "error", body: agencyRefused ? html`${explain(error)} ${t("adm.category.agency.inactive")}` : explain(error) });
    }
  }

  const names = Object.fromEntries((agencies || []).map((a) => [a.id, a.short_name]));
  const edit = (kind, item) => { setNotice(null); setEditing({ kind, item }); };
  const form = (kind) => editing && editing.kind === kind && (kind === "agency"
    ? html`<${AgencyForm} key=${editing.item?.id || "new"} session=${session} agency=${editing.item} known=${agencies}
        onSaved=${(item, created) => saved("agency", item, created)} onCancel=${() => setEditing(null)} />`
    : html`<${CategoryForm} key=${editing.item?.code || "new"} session=${session} category=${editing.item} known=${categories}
        agencies=${agencies} onSaved=${(item, created) => saved("category", item, created)} onCancel=${() => setEditing(null)} />`);

  return html`<${Page} title=${t("adm.catalog.title")}>
    <p>${t("adm.catalog.lead")}</p>
    ${failed && html`<${Notice} kind="error">${failed}<//>`}
    <${Outcome} notice=${notice} />
    ${agencies === null ? !failed && html`<p>${t("loading")}</p>` : html`
      <h2>${t("adm.agencies")}</h2>
      <${TableBox} label=${t("adm.agencies")}><table>
        <caption class="visually-hidden">${t("adm.agencies")}</caption>
        <thead><tr><th scope="col">${t("adm.agency.name")}</th><th scope="col">${t("adm.agency.short")}</th>
          <th scope="col">${t("adm.status")}</th><th scope="col">${t("adm.actions")}</th></tr></thead>
        <tbody>${agencies.map((a) => html`<tr>
          <th scope="row">${a.name}<br /><span class="muted">${a.id}</span></th>
          <td>${a.short_name}</td>
          <td><${ActiveTag} active=${a.active} /></td>
          <td class="row-actions">
            <button type="button" class="link" onClick=${() => edit("agency", a)}>${t("adm.edit")}<span class="visually-hidden"> ${a.name}</span></button>
            <button type="button" class="link" onClick=${() => setAgencyActive(a, !a.active)}>${t(a.active ? "adm.deactivate" : "adm.reactivate")}<span class="visually-hidden"> ${a.name}</span></button>
          </td>
        </tr>`)}</tbody>
      </table><//>
      ${form("agency") || html`<button type="button" class="secondary" onClick=${() => edit("agency", null)}>${t("adm.agency.add")}</button>`}

      <h2>${t("adm.categories")}</h2>
      <${TableBox} label=${t("adm.categories")}><table>
        <caption class="visually-hidden">${t("adm.categories")}</caption>
        <thead><tr><th scope="col">${t("adm.category.name")}</th><th scope="col">${t("adm.category.agency")}</th>
          <th scope="col">${t("adm.category.type")}</th><th scope="col">${t("adm.status")}</th><th scope="col">${t("adm.actions")}</th></tr></thead>
        <tbody>${categories.map((c) => html`<tr>
          <th scope="row">${c.name}<br /><span class="muted">${c.code}</span></th>
          <td>${names[c.default_agency_id] || c.default_agency_id}</td>
          <td>${t("type." + c.default_type)}</td>
          <td><${ActiveTag} active=${c.active} /></td>
          <td class="row-actions">
            <button type="button" class="link" onClick=${() => edit("category", c)}>${t("adm.edit")}<span class="visually-hidden"> ${c.name}</span></button>
            <button type="button" class="link" onClick=${() => setCategoryActive(c, !c.active)}>${t(c.active ? "adm.deactivate" : "adm.reactivate")}<span class="visually-hidden"> ${c.name}</span></button>
          </td>
        </tr>`)}</tbody>
      </table><//>
      ${form("category") || html`<button type="button" class="secondary" onClick=${() => edit("category", null)}>${t("adm.category.add")}</button>`}`}
  <//>`;
}
