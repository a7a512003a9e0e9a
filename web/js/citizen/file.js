// Filing a report, FixMyStreet's flow in GOV.UK's patterns: what, where (a pin), details and photos, who,
// then check and send. Each step checks its own answers; the API's own refusals come back to the fields.
import { html, useEffect, useState } from "../lib.js";
import { t } from "../i18n.js";
import { call, getConfig, ApiError, newKey, uploadForm } from "../api.js";
import { ErrorSummary, Field, Notice, Page, describedBy, fieldErrors, focusFirst } from "../ui.js";
import { todayWib } from "../format.js";
import { MapPicker } from "./map.js";
import { fileReport } from "./outbox.js";

const TYPES = ["complaint", "aspiration", "information_request"];
const STEPS = ["what", "where", "details", "you", "check"];
const PHOTO_TYPES = ["image/jpeg", "image/png"];
const MAX_PHOTOS = 5;
const MAX_PHOTO_BYTES = 5 * 1024 * 1024;
const EMAIL = /^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$/;
// The API's field names, and the step that asks for each.
const FIELD_STEP = {
  type: "what", category: "what", location: "where", "location.kecamatan": "where", "location.address": "where",
  title: "details", description: "details", incident_date: "details", "reporter.name": "you",
  "reporter.email": "you", "reporter.phone": "you", "reporter.nik": "you", reporter: "you",
};

const EMPTY = {
  type: "", category: "", kecamatan: "", address: "", point: null, title: "", description: "", incident_date: "",
  photos: [], name: "", email: "", phone: "", nik: "", anonymous: false, confidential: false,
};

function check(step, form) {
  const errors = {};
  if (step === "what" && !TYPES.includes(form.type)) errors.type = t("v.type");
  if (step === "where" && !form.point && (form.kecamatan || form.address.trim())) errors.map = t("f.map.needed");
  if (step === "details") {
    const title = form.title.trim().length;
    if (title < 5 || title > 150) errors.title = t("v.title");
    if (form.description.trim().length < 20) errors.description = t("v.description");
    if (form.incident_date && form.incident_date > todayWib()) errors.incident_date = t("v.date");
    if (form.photos.length > MAX_PHOTOS) errors.photos = t("v.photos.count");
    else if (form.photos.some((p) => !PHOTO_TYPES.includes(p.type))) errors.photos = t("v.photos.type");
    else if (form.photos.some((p) => p.size > MAX_PHOTO_BYTES)) errors.photos = t("v.photos.size");
  }
  if (step === "you") {
    if (!form.name.trim()) errors.name = t("v.name");
    if (!form.email.trim() && !form.phone.trim()) errors.email = t("v.contact");
    else if (form.email.trim() && !EMAIL.test(form.email.trim())) errors.email = t("v.email");
    if (form.nik && !/^[0-9]{16}$/.test(form.nik)) errors.nik = t("v.nik");
  }
  return errors;
}

function body(form) {
  const report = {
    type: form.type,
    title: form.title.trim(),
    description: form.description.trim(),
    anonymous: form.anonymous,
    confidential: form.confidential,
    reporter: { name: form.name.trim() },
  };
  if (form.category) report.category = form.category;
  if (form.incident_date) report.incident_date = form.incident_date;
  if (form.point) {
    report.location = { lat: form.point.lat, lon: form.point.lon };
    if (form.kecamatan) report.location.kecamatan = form.kecamatan;
    if (form.address.trim()) report.location.address = form.address.trim();
  }
  if (form.email.trim()) report.reporter.email = form.email.trim();
  if (form.phone.trim()) report.reporter.phone = form.phone.trim();
  if (form.nik) report.reporter.nik = form.nik;
  return report;
}

async function uploadPhotos(answer, photos, onProgress) {
  let done = 0;
  for (const photo of photos) {
    try {
      const form = await call(`/reports/${answer.id}/attachments`, {
        method: "POST",
        reportToken: answer.access_token,
        body: { content_type: photo.type, size: photo.size },
      });
      await uploadForm(form.upload, photo);
      done += 1;
      onProgress(done);
    } catch {
      /* counted as not uploaded; the report's page offers the upload again */
    }
  }
  return done;
}

export function FilePage({ categories }) {
  const [form, setForm] = useState(EMPTY);
  const [step, setStep] = useState("what");
  const [errors, setErrors] = useState({});
  const [sending, setSending] = useState(false);
  const [result, setResult] = useState(null);
  const [key, setKey] = useState(newKey);
  const index = STEPS.indexOf(step);
  const set = (name) => (event) => setForm({ ...form, [name]: event.target.type === "checkbox" ? event.target.checked : event.target.value });

  const [moved, setMoved] = useState(false);
  useEffect(() => {
    if (moved) focusFirst("main h1");
    setMoved(true);
  }, [step, result]);

  function next(event) {
    event.preventDefault();
    const problems = check(step, form);
    setErrors(problems);
    if (!Object.keys(problems).length) setStep(STEPS[index + 1]);
  }

  async function send(event) {
    event.preventDefault();
    setSending(true);
    setErrors({});
    try {
      const answer = await fileReport(key, body(form));
      if (answer.queued) {
        setResult({ queued: true });
      } else {
        setResult({ answer, photos: form.photos.length, uploaded: 0 });
        if (form.photos.length) {
          const uploaded = await uploadPhotos(answer, form.photos, (n) => setResult((r) => ({ ...r, uploaded: n })));
          setResult((r) => ({ ...r, uploaded, uploadsDone: true }));
        }
      }
    } catch (error) {
      if (error instanceof ApiError) {
        const problems = fieldErrors(error, Object.keys(FIELD_STEP));
        setErrors(problems);
        const first = Object.keys(problems).find((field) => FIELD_STEP[field]);
        if (first) setStep(FIELD_STEP[first]);
      } else throw error;
    } finally {
      setSending(false);
    }
  }

  function restart() {
    setForm(EMPTY);
    setKey(newKey());
    setResult(null);
    setStep("what");
  }

  if (result?.queued) {
    return html`<${Page} title=${t("file.title")}>
      <${Notice} kind="warn">${t("offline.kept")}<//>
      <p><button type="button" class="secondary" onClick=${restart}>${t("sent.another")}</button></p>
    <//>`;
  }
  if (result) {
    const { answer } = result;
    return html`<${Page} title=${t("sent.title")}>
      <div class="panel">
        <p>${t("sent.id")}</p>
        <p class="big">${answer.id}</p>
      </div>
      <p>${t("sent.kept")}</p>
      ${answer.report?.reporter && html`<p>${t("sent.code")}</p>`}
      ${result.photos > 0 && html`<p role="status">${t("sent.photos", { done: result.uploaded, total: result.photos })}</p>`}
      ${result.uploadsDone && result.uploaded < result.photos && html`<${Notice} kind="warn">${t("sent.photos.failed")}<//>`}
      <p><a class="button" href=${`/laporan/${answer.id}`}>${t("sent.follow")}</a>
        <button type="button" class="secondary" onClick=${restart}>${t("sent.another")}</button></p>
    <//>`;
  }

  const title = t("step." + step);
  const kecamatan = getConfig().city.kecamatan;
  const category = categories.find((c) => c.code === form.category);
  const change = (target) => html`<button type="button" class="link" onClick=${() => setStep(target)}>${t("file.change")}</button>`;

  return html`<${Page} title=${title}>
    <p class="steps">${t("file.step", { n: index + 1, total: STEPS.length })}</p>
    ${step === "what" && html`<p class="lead">${t("file.lead")}</p>`}
    <${ErrorSummary} errors=${errors} fields=${{ type: "f-type-complaint", map: "f-map", _: "main" }} />
    <form novalidate onSubmit=${step === "check" ? send : next}>
      ${step === "what" && html`
        <fieldset class=${errors.type ? "error-field" : ""} aria-describedby=${errors.type ? "f-type-error" : undefined}>
          <legend>${t("f.type")}</legend>
          ${errors.type && html`<span class="error-message" id="f-type-error">${errors.type}</span>`}
          ${TYPES.map((type) => html`<div class="choice">
            <input type="radio" name="type" id=${"f-type-" + type.replace(/_/g, "-")} value=${type} checked=${form.type === type}
              onChange=${set("type")} aria-describedby=${"f-type-" + type + "-hint"} />
            <div><label for=${"f-type-" + type.replace(/_/g, "-")}>${t("type." + type)}</label>
              <span class="hint" id=${"f-type-" + type + "-hint"}>${t("f.type." + type + ".hint")}</span></div>
          </div>`)}
        </fieldset>
        <${Field} id="f-category" label=${t("f.category")} hint=${t("f.category.hint")} error=${errors.category}>
          <select id="f-category" value=${form.category} onChange=${set("category")} aria-describedby=${describedBy("f-category", true, errors.category)}>
            <option value="">${t("f.category.none")}</option>
            ${categories.map((c) => html`<option value=${c.code}>${c.name}</option>`)}
          </select>
        <//>`}
      ${step === "where" && html`
        <${MapPicker} value=${form.point} onChange=${(point) => setForm((f) => ({ ...f, point }))} error=${errors.map} />
        <${Field} id="f-location-kecamatan" label=${t("f.kecamatan")} error=${errors["location.kecamatan"]}>
          <select id="f-location-kecamatan" value=${form.kecamatan} onChange=${set("kecamatan")}>
            <option value="">${t("f.kecamatan.none")}</option>
            ${kecamatan.map((k) => html`<option value=${k}>${k}</option>`)}
          </select>
        <//>
        <${Field} id="f-location-address" label=${t("f.address")} hint=${t("f.address.hint")} error=${errors["location.address"]}>
          <input type="text" id="f-location-address" maxlength="300" value=${form.address} onInput=${set("address")}
            aria-describedby=${describedBy("f-location-address", true, errors["location.address"])} />
        <//>`}
      ${step === "details" && html`
        <${Field} id="f-title" label=${t("f.title")} hint=${t("f.title.hint")} error=${errors.title}>
          <input type="text" id="f-title" maxlength="150" value=${form.title} onInput=${set("title")}
            aria-describedby=${describedBy("f-title", true, errors.title)} aria-invalid=${errors.title ? "true" : undefined} />
        <//>
        <${Field} id="f-description" label=${t("f.description")} hint=${t("f.description.hint")} error=${errors.description}>
          <textarea id="f-description" maxlength="4000" rows="7" value=${form.description} onInput=${set("description")}
            aria-describedby=${describedBy("f-description", true, errors.description)} aria-invalid=${errors.description ? "true" : undefined}></textarea>
        <//>
        <${Field} id="f-incident-date" label=${t("f.incident_date")} error=${errors.incident_date}>
          <input type="date" id="f-incident-date" class="short" max=${todayWib()} value=${form.incident_date} onInput=${set("incident_date")} />
        <//>
        <${Field} id="f-photos" label=${t("f.photos")} hint=${t("f.photos.hint")} error=${errors.photos}>
          <input type="file" id="f-photos" accept="image/jpeg,image/png" multiple
            onChange=${(e) => setForm({ ...form, photos: Array.from(e.target.files || []) })}
            aria-describedby=${describedBy("f-photos", true, errors.photos)} />
        <//>`}
      ${step === "you" && html`
        <${Field} id="f-reporter-name" label=${t("f.name")} error=${errors.name || errors["reporter.name"]}>
          <input type="text" id="f-reporter-name" autocomplete="name" maxlength="100" value=${form.name} onInput=${set("name")} />
        <//>
        <p class="hint" id="contact-hint">${t("f.contact.hint")}</p>
        <${Field} id="f-reporter-email" label=${t("f.email")} error=${errors.email || errors["reporter.email"]}>
          <input type="email" id="f-reporter-email" autocomplete="email" maxlength="254" value=${form.email} onInput=${set("email")} aria-describedby="contact-hint" />
        <//>
        <${Field} id="f-reporter-phone" label=${t("f.phone")} error=${errors["reporter.phone"]}>
          <input type="tel" id="f-reporter-phone" autocomplete="tel" maxlength="20" value=${form.phone} onInput=${set("phone")} aria-describedby="contact-hint" />
        <//>
        <${Field} id="f-reporter-nik" label=${t("f.nik")} hint=${t("f.nik.hint")} error=${errors.nik || errors["reporter.nik"]}>
          <input type="text" id="f-reporter-nik" class="short" inputmode="numeric" maxlength="16" value=${form.nik} onInput=${set("nik")}
            aria-describedby=${describedBy("f-reporter-nik", true, errors.nik)} />
        <//>
        <fieldset>
          <legend>${t("f.privacy")}</legend>
          <div class="choice"><input type="checkbox" id="f-anonymous" checked=${form.anonymous} onChange=${set("anonymous")} aria-describedby="f-anonymous-hint" />
            <div><label for="f-anonymous">${t("f.anonymous")}</label><span class="hint" id="f-anonymous-hint">${t("f.anonymous.hint")}</span></div></div>
          <div class="choice"><input type="checkbox" id="f-confidential" checked=${form.confidential} onChange=${set("confidential")} aria-describedby="f-confidential-hint" />
            <div><label for="f-confidential">${t("f.confidential")}</label><span class="hint" id="f-confidential-hint">${t("f.confidential.hint")}</span></div></div>
        </fieldset>`}
      ${step === "check" && html`
        <dl class="summary-list">
          <div><dt>${t("f.type")}</dt><dd>${t("type." + form.type)}</dd><dd>${change("what")}</dd></div>
          <div><dt>${t("f.category")}</dt><dd>${category ? category.name : t("check.none")}</dd><dd>${change("what")}</dd></div>
          <div><dt>${t("follow.location")}</dt><dd>${form.point ? [form.address, form.kecamatan, `${form.point.lat}, ${form.point.lon}`].filter(Boolean).join(" · ") : t("check.none")}</dd><dd>${change("where")}</dd></div>
          <div><dt>${t("f.title")}</dt><dd>${form.title}</dd><dd>${change("details")}</dd></div>
          <div><dt>${t("f.description")}</dt><dd>${form.description}</dd><dd>${change("details")}</dd></div>
          <div><dt>${t("f.incident_date")}</dt><dd>${form.incident_date || t("check.none")}</dd><dd>${change("details")}</dd></div>
          <div><dt>${t("f.photos")}</dt><dd>${form.photos.length ? t("check.photos", { n: form.photos.length }) : t("check.none")}</dd><dd>${change("details")}</dd></div>
          <div><dt>${t("f.name")}</dt><dd>${form.name}</dd><dd>${change("you")}</dd></div>
          <div><dt>${t("f.email")}</dt><dd>${form.email || t("check.none")}</dd><dd>${change("you")}</dd></div>
          <div><dt>${t("f.phone")}</dt><dd>${form.phone || t("check.none")}</dd><dd>${change("you")}</dd></div>
          <div><dt>${t("f.anonymous")}</dt><dd>${form.anonymous ? t("check.yes") : t("check.no")}</dd><dd>${change("you")}</dd></div>
          <div><dt>${t("f.confidential")}</dt><dd>${form.confidential ? t("check.yes") : t("check.no")}</dd><dd>${change("you")}</dd></div>
        </dl>`}
      <div class="actions">
        <button type="submit" disabled=${sending}>${step === "check" ? (sending ? t("file.sending") : t("file.send")) : t("file.next")}</button>
        ${index > 0 && html`<button type="button" class="secondary" onClick=${() => setStep(STEPS[index - 1])}>${t("file.back")}</button>`}
      </div>
    </form>
  <//>`;
}
