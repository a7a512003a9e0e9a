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

// The confirmation codes asked for from this device, by report and WIB day: the API answers 202 whether or
// not a code went out, and a contact gets at most CODES_PER_DAY a WIB day, so the device counts what it asked
// (the filing's own code included) to say when the day's codes are used up. Only today's are kept.
const CODES = "lapor.codes";
export const CODES_PER_DAY = 3;

export function codesAskedToday(id, today) {
  return read(CODES).filter((c) => c.id === id && c.day === today).length;
}

/** One more code asked for `id` today; `once` names a request counted once however often it is noted (the
 * filing, whose keyed replay sends no second code). */
export function noteCodeAsked(id, today, once = null) {
  const kept = read(CODES).filter((c) => c.day === today);
  if (once && kept.some((c) => c.id === id && c.once === once)) return;
  write(CODES, [...kept, { id, day: today, ...(once ? { once } : {}) }]);
}
