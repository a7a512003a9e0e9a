// The staff console (/staff/): sign-in, then the queue, one report, the city's lists and roster, leadership's
// reports and the coordinator's settings, by #hash. Each page is offered only to the roles that may use it.
import { html, render, useEffect, useState } from "../lib.js";
import "../strings.js";
import "../citizen/strings.js";
import "./strings.js";
import "./strings-admin.js";
import { applyStoredLang, t, useLang } from "../i18n.js";
import { call, getConfig, loadConfig } from "../api.js";
import { Header, Notice, Page, focusFirst } from "../ui.js";
import { currentSession, finishHostedSignIn, forgetSession, hostedSignOut, startHostedSignIn } from "./auth.js";
import { QueuePage } from "./queue.js";
import { ReportPage } from "./report.js";
import { CalendarPage, KeysPage, RulesPage } from "./admin.js";
import { MetricsPage } from "./metrics.js";
import { CatalogPage } from "./catalog.js";
import { OfficersPage } from "./officers.js";
import { ActivityPage, LeadershipPage, RecapPage } from "./leadership.js";

const STATUS_CODES = ["SUBMITTED", "PENDING", "DISPOSED", "IN_PROGRESS", "DONE", "ARCHIVED", "REFERRED"];

function useHash() {
  const [hash, setHash] = useState(location.hash || "#/");
  useEffect(() => {
    const update = () => {
      // A link within the page (the error summary's "#field") is not a page: the browser scrolls to it.
      if (location.hash && !location.hash.startsWith("#/")) return;
      setHash(location.hash || "#/");
      window.scrollTo(0, 0);
      focusFirst("main h1"); // a screen reader hears where it now is
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

/** Which pages a role is offered (the API decides; this only avoids offering what cannot work). */
function pagesFor(role) {
  const city = role === "coordinator" || role === "leadership";
  return {
    metrics: role !== "operator",
    leadership: city,
    recap: city,
    activity: role === "official", // coordinator and leadership read it on the leadership page
    catalog: role === "coordinator",
    officers: role === "coordinator" || role === "official",
    settings: role === "coordinator",
  };
}

async function loadCatalog() {
  const [categories, agencies] = await Promise.all([
    call("/categories").then((r) => r.items).catch(() => []),
    call("/agencies").then((r) => r.items).catch(() => []),
  ]);
  return { categories, agencies };
}

/**
 * The active lists again after the coordinator changed them, from the staff routes: the public ones come from
 * another function, whose cache of the city's setup shows a change within a minute only.
 */
async function reloadCatalog(session) {
  const active = (path) => call(path, { token: session.token }).then((r) => r.items.filter((item) => item.active));
  const [categories, agencies] = await Promise.all([active("/staff/categories"), active("/staff/agencies")]);
  return { categories, agencies };
}

function App({ initialCatalog, initial, failed }) {
  useLang();
  const hash = useHash();
  const [session, setSession] = useState(initial);
  const [catalog, setCatalog] = useState(initialCatalog);
  const refreshCatalog = () => reloadCatalog(session).then(setCatalog).catch(() => {});
  const statusLabels = Object.fromEntries(STATUS_CODES.map((s) => [s, t("status." + s)]));
  const signOut = () => {
    const auth = getConfig().auth;
    setSession(null);
    if (auth.mode === "cognito") hostedSignOut(auth);
    else forgetSession();
  };
  const may = pagesFor(session?.role);
  const links = session
    ? [["#/", t("nav.queue")], ...(may.metrics ? [["#/indikator", t("nav.metrics")]] : []),
       ...(may.leadership ? [["#/pimpinan", t("nav.leadership")]] : []),
       ...(may.recap ? [["#/rekap", t("nav.recap")]] : []),
       ...(may.activity ? [["#/aktivitas", t("nav.activity")]] : []),
       ...(may.catalog ? [["#/daftar", t("nav.catalog")]] : []),
       ...(may.officers ? [["#/petugas", t("nav.officers")]] : []),
       ...(may.settings ? [["#/kalender", t("nav.calendar")], ["#/aturan", t("nav.rules")], ["#/open311", t("nav.keys")]] : [])]
    : [];
  const agencyName = catalog.agencies.find((a) => a.id === session?.agency_id)?.short_name;
  const who = session && html`<span class="who">${agencyName ? t("who.agency", { role: t("role." + session.role), agency: agencyName }) : t("who", { role: t("role." + session.role) })}</span>
    <button type="button" class="lang" onClick=${signOut}>${t("signout")}</button>`;
  let page;
  const report = hash.match(/^#\/laporan\/(.+)$/);
  if (!session) page = html`<${SignIn} catalog=${catalog} onSignedIn=${setSession} failed=${failed} />`;
  else if (report) page = html`<${ReportPage} key=${report[1]} id=${decodeURIComponent(report[1])} session=${session} catalog=${catalog} />`;
  else if (hash === "#/kalender" && may.settings) page = html`<${CalendarPage} session=${session} />`;
  else if (hash === "#/aturan" && may.settings) page = html`<${RulesPage} session=${session} catalog=${catalog} />`;
  else if (hash === "#/open311" && may.settings) page = html`<${KeysPage} session=${session} />`;
  else if (hash === "#/indikator" && may.metrics) page = html`<${MetricsPage} session=${session} catalog=${catalog} />`;
  else if (hash === "#/pimpinan" && may.leadership) page = html`<${LeadershipPage} session=${session} catalog=${catalog} />`;
  else if (hash === "#/rekap" && may.recap) page = html`<${RecapPage} session=${session} catalog=${catalog} />`;
  else if (hash === "#/aktivitas" && may.activity) page = html`<${ActivityPage} session=${session} catalog=${catalog} />`;
  else if (hash === "#/daftar" && may.catalog) page = html`<${CatalogPage} session=${session} onChanged=${refreshCatalog} />`;
  else if (hash === "#/petugas" && may.officers) page = html`<${OfficersPage} session=${session} catalog=${catalog} />`;
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
  const catalog = await loadCatalog();
  render(html`<${App} initialCatalog=${catalog} initial=${session} failed=${failed} />`, document.getElementById("app"));
}

start();
