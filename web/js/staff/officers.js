// The officer roster: each officer's role, agency, appointment decree (SK: number and date) and whether they
// are active. The coordinator adds officers (POST /staff/officers; in AWS an invitation e-mail follows), changes
// role, agency and decree, deactivates and reactivates (PATCH /staff/officers/{id}); an official reads its own
// agency's officers (GET /staff/officers answers only those).
import { html, useEffect, useRef, useState } from "../lib.js";
import { t } from "../i18n.js";
import { call, ApiError } from "../api.js";
import { ErrorSummary, Field, Notice, Page, describedBy } from "../ui.js";
import { date } from "../format.js";
import { ActiveTag, Outcome, TableBox, explain, useAdminForm, useFocusOnOpen } from "./admin.js";

const ROLES = ["operator", "official", "coordinator", "leadership"];
const AGENCY_ROLES = ["operator", "official"];
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

function decreeDate(iso) {
  return iso ? date(`${iso}T12:00:00+07:00`) : "";
}

/** The fields both forms share: role (with what each may do), agency when the role has one, the decree. */
function AppointmentFields({ values, set, errors, agencies, prefix }) {
  const id = (name) => `${prefix}-${name}`;
  const needsAgency = AGENCY_ROLES.includes(values.role);
  return html`
    <fieldset class=${errors.role ? "error-field" : ""}>
      <legend>${t("adm.officer.role")}</legend>
      ${errors.role && html`<span class="error-message"><span class="visually-hidden">${t("errors.prefix")}</span> ${errors.role}</span>`}
      ${ROLES.map((role) => html`<div class="choice">
        <input type="radio" name=${id("role")} id=${id("role-" + role)} value=${role} checked=${values.role === role}
          aria-describedby=${id("role-" + role + "-hint")} onChange=${set("role")} />
        <div><label for=${id("role-" + role)}>${t("role." + role)}</label>
          <span class="hint" id=${id("role-" + role + "-hint")}>${t("adm.officer.role." + role + ".hint")}</span></div></div>`)}
    </fieldset>
    ${needsAgency && html`<${Field} id=${id("agency")} label=${t("adm.officer.agency")} hint=${t("adm.officer.agency.hint")} error=${errors.agency_id}>
      <select id=${id("agency")} value=${values.agency_id} onChange=${set("agency_id")}
        aria-describedby=${describedBy(id("agency"), true, errors.agency_id)} aria-invalid=${errors.agency_id ? "true" : undefined}>
        <option value=""></option>
        ${agencies.filter((a) => a.active !== false).map((a) => html`<option value=${a.id}>${a.name}</option>`)}
      </select>
    <//>`}
    <${Field} id=${id("sk-number")} label=${t("adm.officer.sk.number")} hint=${t("adm.officer.sk.number.hint")} error=${errors["decree.number"]}>
      <input type="text" id=${id("sk-number")} maxlength="100" value=${values.number} onInput=${set("number")} spellcheck="false"
        aria-describedby=${describedBy(id("sk-number"), true, errors["decree.number"])} aria-invalid=${errors["decree.number"] ? "true" : undefined} />
    <//>
    <${Field} id=${id("sk-date")} label=${t("adm.officer.sk.date")} error=${errors["decree.date"]}>
      <input type="date" id=${id("sk-date")} class="short" value=${values.date} onInput=${set("date")}
        aria-describedby=${describedBy(id("sk-date"), false, errors["decree.date"])} aria-invalid=${errors["decree.date"] ? "true" : undefined} />
    <//>`;
}

function checkAppointment(values) {
  const found = {};
  if (!values.role) found.role = t("adm.officer.role.required");
  if (AGENCY_ROLES.includes(values.role) && !values.agency_id) found.agency_id = t("adm.officer.agency.required");
  if (!values.number.trim()) found["decree.number"] = t("adm.officer.sk.number.required");
  if (!values.date) found["decree.date"] = t("adm.officer.sk.date.required");
  return found;
}

/** The fields the API's 422 details may name ("decree.number" and friends included). */
const FIELDS = ["name", "email", "role", "agency_id", "decree.number", "decree.date", "decree"];

function summaryLinks(prefix) {
  return {
    name: `${prefix}-name`, email: `${prefix}-email`, role: `${prefix}-role-operator`, agency_id: `${prefix}-agency`,
    "decree.number": `${prefix}-sk-number`, "decree.date": `${prefix}-sk-date`, decree: `${prefix}-sk-number`, _: `${prefix}-sk-number`,
  };
}

function AddOfficer({ session, agencies, onSaved, onCancel }) {
  const heading = useFocusOnOpen();
  const form = useAdminForm({
    initial: { name: "", email: "", role: "operator", agency_id: "", number: "", date: "" },
    fields: FIELDS,
    check(values) {
      const found = {};
      if (!values.name.trim()) found.name = t("adm.officer.name.required");
      if (!EMAIL.test(values.email.trim())) found.email = t("adm.officer.email.invalid");
      return Object.assign(found, checkAppointment(values));
    },
    send(values) {
      const body = {
        name: values.name.trim(), email: values.email.trim(), role: values.role,
        ...(AGENCY_ROLES.includes(values.role) ? { agency_id: values.agency_id } : {}),
        decree: { number: values.number.trim(), date: values.date },
      };
      return call("/staff/officers", { method: "POST", token: session.token, body });
    },
    // The e-mail is on the roster already (409): said at the field.
    refusal: (error) => error instanceof ApiError && error.code === "officer_exists" && { email: error.message },
    onSaved,
  });
  const { values, set, errors } = form;

  return html`<section class="admin-form" aria-labelledby="of-title">
    <h2 id="of-title" tabindex="-1" ref=${heading}>${t("adm.officer.add")}</h2>
    <${Notice}>${t("adm.officer.add.lead")}<//>
    <${ErrorSummary} errors=${errors} fields=${summaryLinks("of")} />
    ${form.problem && html`<${Notice} kind="error">${form.problem}<//>`}
    <form novalidate onSubmit=${form.submit}>
      <${Field} id="of-name" label=${t("adm.officer.name")} error=${errors.name}>
        <input type="text" id="of-name" maxlength="100" autocomplete="off" value=${values.name} onInput=${set("name")}
          aria-describedby=${describedBy("of-name", false, errors.name)} aria-invalid=${errors.name ? "true" : undefined} />
      <//>
      <${Field} id="of-email" label=${t("adm.officer.email")} hint=${t("adm.officer.email.hint")} error=${errors.email}>
        <input type="email" id="of-email" maxlength="254" autocomplete="off" spellcheck="false" value=${values.email} onInput=${set("email")}
          aria-describedby=${describedBy("of-email", true, errors.email)} aria-invalid=${errors.email ? "true" : undefined} />
      <//>
      <${AppointmentFields} values=${values} set=${set} errors=${errors} agencies=${agencies} prefix="of" />
      <button type="submit" disabled=${form.busy}>${t("adm.officer.add.submit")}</button>
      <button type="button" class="secondary" onClick=${onCancel}>${t("adm.cancel")}</button>
    </form>
  </section>`;
}

function EditOfficer({ session, officer, agencies, onSaved, onCancel }) {
  const heading = useFocusOnOpen();
  const form = useAdminForm({
    initial: { role: officer.role, agency_id: officer.agency_id || "", number: officer.decree.number, date: officer.decree.date },
    fields: FIELDS,
    check: checkAppointment,
    send(values, setProblem) {
      // Only what changed (a city role drops the agency by itself).
      const change = {};
      if (values.role !== officer.role) change.role = values.role;
      if (AGENCY_ROLES.includes(values.role) && values.agency_id !== (officer.agency_id || "")) change.agency_id = values.agency_id;
      if (values.number.trim() !== officer.decree.number || values.date !== officer.decree.date) {
        change.decree = { number: values.number.trim(), date: values.date };
      }
      if (!Object.keys(change).length) return setProblem(t("adm.officer.unchanged"));
      return call(`/staff/officers/${encodeURIComponent(officer.id)}`, { method: "PATCH", token: session.token, body: change });
    },
    onSaved,
  });

  return html`<section class="admin-form" aria-labelledby="oe-title">
    <h2 id="oe-title" tabindex="-1" ref=${heading}>${t("adm.officer.edit", { name: officer.name })}</h2>
    <p class="muted">${t("adm.officer.edit.lead", { email: officer.email })}</p>
    <${ErrorSummary} errors=${form.errors} fields=${summaryLinks("oe")} />
    ${form.problem && html`<${Notice} kind="error">${form.problem}<//>`}
    <form novalidate onSubmit=${form.submit}>
      <${AppointmentFields} values=${form.values} set=${form.set} errors=${form.errors} agencies=${agencies} prefix="oe" />
      <button type="submit" disabled=${form.busy}>${t("adm.officer.save")}</button>
      <button type="button" class="secondary" onClick=${onCancel}>${t("adm.cancel")}</button>
    </form>
  </section>`;
}

/** Deactivating asks first, saying what it does: refused from the next request, signed out in AWS. */
function Deactivate({ officer, onConfirm, onClose }) {
  const dialog = useRef(null);
  useEffect(() => {
    if (officer) dialog.current?.showModal();
    else dialog.current?.close();
  }, [officer]);
  return html`<dialog ref=${dialog} aria-labelledby="od-title" onClose=${onClose}>
    <form method="dialog" onSubmit=${(e) => { e.preventDefault(); onConfirm(officer); }}>
      <h2 id="od-title">${t("adm.officer.deactivate.title", { name: officer?.name || "" })}</h2>
      <p>${t("adm.officer.deactivate.lead")}</p>
      <button type="submit" class="warning">${t("adm.officer.deactivate.confirm")}</button>
      <button type="button" class="secondary" onClick=${() => dialog.current.close()}>${t("adm.cancel")}</button>
    </form>
  </dialog>`;
}

export function OfficersPage({ session, catalog }) {
  const manage = session.role === "coordinator";
  const [officers, setOfficers] = useState(null);
  const [agencies, setAgencies] = useState(catalog.agencies);
  const [filter, setFilter] = useState({ agency_id: "", status: "active" });
  const [editing, setEditing] = useState(null); // "new" or the officer
  const [confirming, setConfirming] = useState(null);
  const [notice, setNotice] = useState(null);
  const [failed, setFailed] = useState(null);

  async function load() {
    try {
      setOfficers((await call("/staff/officers", { token: session.token })).items);
      setFailed(null);
    } catch (error) {
      setFailed(explain(error));
    }
  }
  useEffect(() => {
    load();
    // The coordinator also sees inactive agencies' names; others have the public (active) list.
    if (manage) call("/staff/agencies", { token: session.token }).then((r) => setAgencies(r.items)).catch(() => {});
  }, []);

  const names = Object.fromEntries(agencies.map((a) => [a.id, a.short_name]));
  const own = agencies.find((a) => a.id === session.agency_id);

  function saved(officer, key) {
    setEditing(null);
    setNotice({ kind: "ok", body: t(key, { name: officer.name }) });
    load();
  }

  async function setActive(officer, active) {
    setConfirming(null);
    try {
      const changed = await call(`/staff/officers/${encodeURIComponent(officer.id)}`, { method: "PATCH", token: session.token, body: { active } });
      saved(changed, active ? "adm.officer.reactivated" : "adm.officer.deactivated");
    } catch (error) {
      setNotice({ kind: "error", body: explain(error) });
    }
  }

  const shown = (officers || []).filter((o) =>
    (!filter.agency_id || o.agency_id === filter.agency_id) &&
    (filter.status === "all" || (filter.status === "active") === o.active));
  const setF = (name) => (e) => setFilter({ ...filter, [name]: e.target.value });

  return html`<${Page} title=${manage ? t("adm.officers.title") : t("adm.officers.title.agency", { agency: own?.short_name || session.agency_id || "" })}>
    <p>${manage ? t("adm.officers.lead") : t("adm.officers.lead.official")}</p>
    ${failed && html`<${Notice} kind="error">${failed}<//>`}
    <${Outcome} notice=${notice} />
    ${officers === null ? !failed && html`<p>${t("loading")}</p>` : html`
      <form class="filters" onSubmit=${(e) => e.preventDefault()}>
        ${manage && html`<div class="field"><label for="o-agency">${t("adm.filter.agency")}</label>
          <select id="o-agency" value=${filter.agency_id} onChange=${setF("agency_id")}>
            <option value="">${t("adm.all")}</option>
            ${agencies.map((a) => html`<option value=${a.id}>${a.short_name}</option>`)}
          </select></div>`}
        <div class="field"><label for="o-status">${t("adm.filter.status")}</label>
          <select id="o-status" value=${filter.status} onChange=${setF("status")}>
            <option value="active">${t("adm.filter.active")}</option>
            <option value="inactive">${t("adm.filter.inactive")}</option>
            <option value="all">${t("adm.all")}</option>
          </select></div>
      </form>
      <p class="muted" role="status">${t("adm.officers.count", { shown: shown.length, total: officers.length })}</p>
      ${shown.length > 0 && html`<${TableBox} label=${t("adm.officers.title")}><table>
        <caption class="visually-hidden">${t("adm.officers.title")}</caption>
        <thead><tr><th scope="col">${t("adm.officer.name")}</th><th scope="col">${t("adm.officer.role")}</th>
          <th scope="col">${t("adm.officer.agency")}</th><th scope="col">${t("adm.officer.sk")}</th><th scope="col">${t("adm.status")}</th>
          ${manage && html`<th scope="col">${t("adm.actions")}</th>`}</tr></thead>
        <tbody>${shown.map((o) => html`<tr>
          <th scope="row">${o.name}<br /><span class="muted">${o.email}</span></th>
          <td>${t("role." + o.role)}</td>
          <td>${o.agency_id ? names[o.agency_id] || o.agency_id : t("adm.officer.city")}</td>
          <td>${o.decree.number}<br /><span class="muted">${decreeDate(o.decree.date)}</span></td>
          <td><${ActiveTag} active=${o.active} /></td>
          ${manage && html`<td class="row-actions">
            <button type="button" class="link" onClick=${() => { setNotice(null); setEditing(o); }}>${t("adm.edit")}<span class="visually-hidden"> ${o.name}</span></button>
            ${o.active
              ? html`<button type="button" class="link" onClick=${() => setConfirming(o)}>${t("adm.deactivate")}<span class="visually-hidden"> ${o.name}</span></button>`
              : html`<button type="button" class="link" onClick=${() => setActive(o, true)}>${t("adm.reactivate")}<span class="visually-hidden"> ${o.name}</span></button>`}
          </td>`}
        </tr>`)}</tbody>
      </table><//>`}
      ${manage && (editing === "new"
        ? html`<${AddOfficer} session=${session} agencies=${agencies} onSaved=${(o) => saved(o, "adm.officer.added")} onCancel=${() => setEditing(null)} />`
        : editing
          ? html`<${EditOfficer} key=${editing.id} session=${session} officer=${editing} agencies=${agencies}
              onSaved=${(o) => saved(o, "adm.officer.saved")} onCancel=${() => setEditing(null)} />`
          : html`<button type="button" onClick=${() => { setNotice(null); setEditing("new"); }}>${t("adm.officer.add")}</button>`)}
      ${manage && html`<${Deactivate} officer=${confirming} onConfirm=${(o) => setActive(o, false)} onClose=${() => setConfirming(null)} />`}`}
  <//>`;
}
