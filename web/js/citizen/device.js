// What the device keeps: each filed report's id and access token (the token never leaves the device except
// to this API), and the filings written while offline, each with its Idempotency-Key.
const REPORTS = "lapor.reports";
const OUTBOX = "lapor.outbox";

function read(key) {
  try {
    return JSON.parse(localStorage.getItem(key) || "[]");
  } catch {
    return [];
  }
}

function write(key, value) {
  localStorage.setItem(key, JSON.stringify(value));
}

export function savedReports() {
  return read(REPORTS);
}

export function saveReport(id, token, title) {
  const kept = savedReports().filter((r) => r.id !== id);
  kept.unshift({ id, token, title, saved_at: new Date().toISOString() });
  write(REPORTS, kept);
}

export function tokenFor(id) {
  return savedReports().find((r) => r.id === id)?.token || null;
}

export function forgetReport(id) {
  write(REPORTS, savedReports().filter((r) => r.id !== id));
}

export function queued() {
  return read(OUTBOX);
}

export function enqueue(key, body) {
  write(OUTBOX, [...queued().filter((q) => q.key !== key), { key, body, kept_at: new Date().toISOString() }]);
}

export function dequeue(key) {
  write(OUTBOX, queued().filter((q) => q.key !== key));
}
