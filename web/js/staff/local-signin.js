// The local stack's sign-in: pick a role (and an agency), get a token from POST /_local/token. This file is
// not part of the deployed build (tools/publish_web.py leaves it out), where staff sign in with Cognito.
import { html, useState } from "../lib.js";
import { t } from "../i18n.js";
import { call, ApiError } from "../api.js";
import { ErrorSummary, Field, Notice } from "../ui.js";
import { keepSession } from "./auth.js";

const ROLES = ["coordinator", "operator", "official", "leadership"];

export function LocalSignIn({ agencies, onSignedIn }) {
  const [role, setRole] = useState("coordinator");
  const [agency, setAgency] = useState("");
  const [errors, setErrors] = useState({});
  const needsAgency = role === "operator" || role === "official";
  async function submit(event) {
    event.preventDefault();
    if (needsAgency && !agency) return setErrors({ agency_id: t("signin.agency.required") });
    try {
      const answer = await call("/_local/token", { method: "POST", body: { role, ...(needsAgency ? { agency_id: agency } : {}) } });
      onSignedIn(keepSession(answer.token));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      setErrors({ role: error.message });
    }
  }
  return html`
    <${Notice}>${t("signin.local.lead")}<//>
    <${ErrorSummary} errors=${errors} fields=${{ agency_id: "s-agency", role: "s-role-coordinator" }} />
    <form novalidate onSubmit=${submit}>
      <fieldset>
        <legend>${t("signin.role")}</legend>
        ${ROLES.map((r) => html`<div class="choice">
          <input type="radio" name="role" id=${"s-role-" + r} value=${r} checked=${role === r} onChange=${() => setRole(r)} />
          <label for=${"s-role-" + r}>${t("role." + r)}</label></div>`)}
      </fieldset>
      ${needsAgency && html`<${Field} id="s-agency" label=${t("signin.agency")} hint=${t("signin.agency.hint")} error=${errors.agency_id}>
        <select id="s-agency" value=${agency} onChange=${(e) => setAgency(e.target.value)} aria-describedby="s-agency-hint">
          <option value=""></option>
          ${agencies.map((a) => html`<option value=${a.id}>${a.name}</option>`)}
        </select>
      <//>`}
      <button type="submit">${t("signin.submit")}</button>
    </form>`;
}
