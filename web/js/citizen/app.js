// The citizen portal: its pages by address (/, /laporan-saya, /laporan/{id}, /publik, /statistik).
import { html, render, useEffect, useState } from "../lib.js";
import "../strings.js";
import "./strings.js";
import { applyStoredLang, t, useLang } from "../i18n.js";
import { call, loadConfig } from "../api.js";
import { Header, Notice } from "../ui.js";
import { FilePage } from "./file.js";
import { FollowPage } from "./follow.js";
import { MinePage } from "./mine.js";
import { onOutboxChange, startOutbox } from "./outbox.js";

const lazy = {
  public: () => import("./public.js"),
  stats: () => import("./stats.js"),
};

function navigate(path) {
  history.pushState(null, "", path);
  window.dispatchEvent(new Event("popstate"));
  window.scrollTo(0, 0);
}

function usePath() {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    window.addEventListener("popstate", update);
    return () => window.removeEventListener("popstate", update);
  }, []);
  return path;
}

function Lazy({ load, name, ...props }) {
  const [module, setModule] = useState(null);
  useEffect(() => { load().then(setModule); }, [load]);
  if (!module) return html`<main id="main"><p>${t("loading")}</p></main>`;
  const Component = module[name];
  return html`<${Component} ...${props} />`;
}

function OutboxNotice() {
  const [event, setEvent] = useState(null);
  useEffect(() => onOutboxChange((e) => (e.sent || e.refused ? setEvent(e) : null)), []);
  if (!event) return null;
  return html`<div class="bar-notice"><${Notice} kind=${event.sent ? "ok" : "error"}>
    ${event.sent ? html`${t("offline.sent", { id: "" })}<a href=${`/laporan/${event.sent}`}>${event.sent}</a>` : event.refused}
  <//></div>`;
}

function App({ catalog }) {
  useLang();
  const path = usePath();
  let page;
  const report = path.match(/^\/laporan\/([^/]+)\/?$/);
  if (report) page = html`<${FollowPage} id=${decodeURIComponent(report[1])} key=${report[1]} />`;
  else if (path.startsWith("/laporan-saya")) page = html`<${MinePage} navigate=${navigate} />`;
  else if (path.startsWith("/publik")) page = html`<${Lazy} load=${lazy.public} name="PublicPage" ...${catalog} />`;
  else if (path.startsWith("/statistik")) page = html`<${Lazy} load=${lazy.stats} name="StatsPage" ...${catalog} />`;
  else page = html`<${FilePage} categories=${catalog.categories} />`;
  const links = [
    ["/", t("nav.file")],
    ["/laporan-saya", t("nav.mine")],
    ["/publik", t("nav.public")],
    ["/statistik", t("nav.stats")],
  ];
  const current = report ? "/laporan-saya" : links.find(([href]) => href !== "/" && path.startsWith(href))?.[0] || "/";
  return html`
    <${Header} title=${t("site.title")} home="/" links=${links} current=${current} />
    <${OutboxNotice} />
    ${page}
    <footer class="site">Lapor · SP4N-LAPOR!</footer>
  `;
}

async function start() {
  applyStoredLang();
  await loadConfig();
  const [categories, agencies] = await Promise.all([
    call("/categories").then((r) => r.items).catch(() => []),
    call("/agencies").then((r) => r.items).catch(() => []),
  ]);
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a[href^='/']");
    if (!link || link.target || event.ctrlKey || event.metaKey || event.shiftKey || link.hasAttribute("download")) return;
    if (link.getAttribute("href").startsWith("/staff")) return;
    event.preventDefault();
    navigate(link.getAttribute("href"));
  });
  render(html`<${App} catalog=${{ categories, agencies }} />`, document.getElementById("app"));
  startOutbox();
}

start();
