// The staff console (/staff/): sign-in, then the queue, one report, and the coordinator's pages, by #hash.
import { html, render, useEffect, useState } from "../lib.js";
import "../strings.js";
import "../citizen/strings.js";
import "./strings.js";
import { applyStoredLang, t, useLang } from "../i18n.js";
import { call, getConfig, loadConfig } from "../api.js";
import { Header, Notice, Page } from "../ui.js";
import { currentSession, finishHostedSignIn, forgetSession, hostedSignOut, startHostedSignIn } from "./auth.js";
import { QueuePage } from "./queue.js";
import { ReportPage } from "./report.js";
import { CalendarPage, KeysPage, RulesPage } from "./admin.js";
import { MetricsPage } from "./metrics.js";

const STATUS_CODES = ["SUBMITTED", "PENDING", "DISPOSED", "IN_PROGRESS", "DONE", "ARCHIVED", "REFERRED"];

function useHash() {
  const [hash, setHash] = useState(location.hash || "#/");
  useEffect(() => {
    const update = () => {
      setHash(location.hash || "#/");
      window.scrollTo(0, 0);
    };
    window.addEventListener("hashchange", update);
    return () => window.removeEventListener("hashchange", update);
  }, []);
  return hash;
}

function SignIn({ catalog, onSignedIn, failed }) {
  const auth = getConfig().auth;
  const [Local, setLocal] = useState(null);
  useEffect(() => {
    // The picker exists only where config.json says the stack is local (it is not in the deployed files).
    if (auth.mode === "local") import("./local-signin.js").then((m) => setLocal(() => m.LocalSignIn));
  }, []);
  return html`<${Page} title=${t("signin.title")}>
    ${failed && html`<${Notice} kind="error">${t("signin.failed")}<//>`}
    ${auth.mode === "cognito" && html`<p>${t("signin.cognito.lead")}</p>
      <button type="button" onClick=${() => startHostedSignIn(auth)}>${t("signin.cognito")}</button>`}
    ${auth.mode === "local" && Local && html`<${Local} agencies=${catalog.agencies} onSignedIn=${onSignedIn} />`}
  <//>`;
}

function App({ catalog, initial, failed }) {
  useLang();
  const hash = useHash();
  const [session, setSession] = useState(initial);
  const statusLabels = Object.fromEntries(STATUS_CODES.map((s) => [s, t("status." + s)]));
  const signOut = () => {
    const auth = getConfig().auth;
    setSession(null);
    if (auth.mode === "cognito") hostedSignOut(auth);
    else forgetSession();
  };
  const coordinator = session?.role === "coordinator";
  const links = session
    ? [["#/", t("nav.queue")], ...(session.role !== "operator" ? [["#/indikator", t("nav.metrics")]] : []),
       ...(coordinator ? [["#/kalender", t("nav.calendar")], ["#/aturan", t("nav.rules")], ["#/open311", t("nav.keys")]] : [])]
    : [];
  const agencyName = catalog.agencies.find((a) => a.id === session?.agency_id)?.short_name;
  const who = session && html`<span class="who">${agencyName ? t("who.agency", { role: t("role." + session.role), agency: agencyName }) : t("who", { role: t("role." + session.role) })}</span>
    <button type="button" class="lang" onClick=${signOut}>${t("signout")}</button>`;
  let page;
  const report = hash.match(/^#\/laporan\/(.+)$/);
  if (!session) page = html`<${SignIn} catalog=${catalog} onSignedIn=${setSession} failed=${failed} />`;
  else if (report) page = html`<${ReportPage} key=${report[1]} id=${decodeURIComponent(report[1])} session=${session} catalog=${catalog} />`;
  else if (hash === "#/kalender" && coordinator) page = html`<${CalendarPage} session=${session} />`;
  else if (hash === "#/aturan" && coordinator) page = html`<${RulesPage} session=${session} catalog=${catalog} />`;
  else if (hash === "#/open311" && coordinator) page = html`<${KeysPage} session=${session} />`;
  else if (hash === "#/indikator" && session.role !== "operator") page = html`<${MetricsPage} session=${session} catalog=${catalog} />`;
  else page = html`<${QueuePage} session=${session} agencies=${catalog.agencies} statusLabels=${statusLabels} />`;
  const current = links.find(([href]) => href !== "#/" && hash.startsWith(href))?.[0] || "#/";
  return html`
    <${Header} title=${t("staff.title")} home="#/" links=${links} current=${current} extra=${who} />
    ${page}
  `;
}

async function start() {
  applyStoredLang();
  const config = await loadConfig();
  let session = currentSession();
  let failed = false;
  if (!session && config.auth.mode === "cognito") {
    try {
      session = await finishHostedSignIn(config.auth);
    } catch {
      failed = true;
    }
  }
  const [categories, agencies] = await Promise.all([
    call("/categories").then((r) => r.items).catch(() => []),
    call("/agencies").then((r) => r.items).catch(() => []),
  ]);
  render(html`<${App} catalog=${{ categories, agencies }} initial=${session} failed=${failed} />`, document.getElementById("app"));
}

start();
