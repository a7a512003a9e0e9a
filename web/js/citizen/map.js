// The location pin: Leaflet, loaded only when the reporter opens the map (it is most of the page's weight).
// Tiles come from the configured tile URL; without one (the local default) the map is a plain grid, and the
// pin and its coordinates work the same.
import { html, useEffect, useRef, useState } from "../lib.js";
import { getConfig } from "../api.js";
import { t } from "../i18n.js";

let leaflet = null;

function loadLeaflet() {
  if (!leaflet) {
    leaflet = new Promise((resolve, reject) => {
      const style = document.createElement("link");
      style.rel = "stylesheet";
      style.href = "/vendor/leaflet.css";
      document.head.appendChild(style);
      const script = document.createElement("script");
      script.src = "/vendor/leaflet.js";
      script.onload = () => resolve(window.L);
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }
  return leaflet;
}

function round(value) {
  return Math.round(value * 1e6) / 1e6;
}

export function MapPicker({ value, onChange, error }) {
  const [open, setOpen] = useState(Boolean(value));
  const [ready, setReady] = useState(false);
  const box = useRef(null);
  const map = useRef(null);
  const marker = useRef(null);

  useEffect(() => {
    if (!open || map.current) return;
    let cancelled = false;
    loadLeaflet().then((L) => {
      if (cancelled || !box.current) return;
      const config = getConfig();
      const center = value ? [value.lat, value.lon] : config.city.center;
      const m = L.map(box.current, { center, zoom: 14, attributionControl: Boolean(config.tile_url) });
      if (config.tile_url) L.tileLayer(config.tile_url, { maxZoom: 19, attribution: config.tile_attribution || "" }).addTo(m);
      m.on("click", (e) => onChange({ lat: round(e.latlng.lat), lon: round(e.latlng.lng) }));
      box.current.setAttribute("aria-label", t("f.map.label"));
      box.current.setAttribute("role", "application");
      map.current = m;
      placeMarker(L, value);
      setReady(true);
    });
    return () => {
      cancelled = true;
    };
  }, [open]);

  function placeMarker(L, point) {
    if (!map.current) return;
    if (marker.current) {
      marker.current.remove();
      marker.current = null;
    }
    if (point) {
      const icon = L.divIcon({ className: "", html: '<div class="pin"></div>', iconSize: [0, 0] });
      marker.current = L.marker([point.lat, point.lon], { icon, keyboard: false, interactive: false }).addTo(map.current);
    }
  }

  useEffect(() => {
    if (window.L && map.current) placeMarker(window.L, value);
  }, [value && value.lat, value && value.lon]);

  function center() {
    if (!map.current) return;
    const c = map.current.getCenter();
    onChange({ lat: round(c.lat), lon: round(c.lng) });
  }

  function mine() {
    navigator.geolocation?.getCurrentPosition((position) => {
      const point = { lat: round(position.coords.latitude), lon: round(position.coords.longitude) };
      map.current?.setView([point.lat, point.lon], 16);
      onChange(point);
    });
  }

  return html`
    <div class="field ${error ? "error-field" : ""}" id="f-map">
      <span class="label">${t("f.map")}</span>
      <span class="hint">${t("f.map.hint")}</span>
      ${error && html`<span class="error-message">${error}</span>`}
      ${!open && html`<button type="button" class="secondary" onClick=${() => setOpen(true)}>${t("f.map.show")}</button>`}
      ${open && html`<div class="map" ref=${box} tabindex="0"></div>`}
      ${open && !ready && html`<p class="muted">${t("loading")}</p>`}
      ${ready && html`<div class="actions">
          <button type="button" class="secondary" onClick=${center}>${t("f.map.center")}</button>
          ${"geolocation" in navigator && html`<button type="button" class="secondary" onClick=${mine}>${t("f.map.mine")}</button>`}
          ${value && html`<button type="button" class="secondary" onClick=${() => onChange(null)}>${t("f.map.clear")}</button>`}
        </div>`}
      <p aria-live="polite">${value ? t("f.map.pinned", { lat: value.lat, lon: value.lon }) : open ? t("f.map.none") : ""}</p>
    </div>
  `;
}
