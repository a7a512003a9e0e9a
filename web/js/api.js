// The documented HTTP API (API.md), nothing else. Errors come back in the API's one shape.
import { lang } from "./i18n.js";

let config = null;

export async function loadConfig() {
  if (!config) {
    const response = await fetch("/config.json", { cache: "no-cache" });
    config = await response.json();
  }
  return config;
}

export function getConfig() {
  return config;
}

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || "http_error";
    this.details = error.details || [];
  }
}

/** The network could not be reached (offline, or the request never got an answer). */
export class NetworkError extends Error {}

export async function call(path, options = {}) {
  const { method = "GET", body, token, reportToken, ifMatch, idempotencyKey, raw } = options;
  const headers = { "Accept-Language": lang() };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  if (reportToken) headers["X-Report-Token"] = reportToken;
  if (ifMatch !== undefined && ifMatch !== null) headers["If-Match"] = String(ifMatch);
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  if (typeof navigator !== "undefined" && navigator.onLine === false) throw new NetworkError("offline");
  let response;
  try {
    response = await fetch(config.api_url + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch (error) {
    throw new NetworkError(String(error));
  }
  if (raw && response.ok) return response;
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** Post a presigned S3 form (the attachments' upload): its fields first, the file last. */
export async function uploadForm(upload, file) {
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
  form.append("file", file);
  let response;
  try {
    response = await fetch(upload.url, { method: "POST", body: form });
  } catch (error) {
    throw new NetworkError(String(error));
  }
  if (!response.ok) throw new ApiError(response.status, null);
}

export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
