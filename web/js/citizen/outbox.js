// Reports written while offline: kept on the device and sent when the network returns, each with the
// Idempotency-Key it was given when written, so a retry after a lost answer files nothing twice.
import { call, ApiError, NetworkError } from "../api.js";
import { dequeue, enqueue, noteCodeAsked, queued, saveReport } from "./device.js";
import { todayWib } from "../format.js";

const listeners = new Set();
let sending = false;

export function onOutboxChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function changed(event) {
  listeners.forEach((listener) => listener(event));
}

/** File a report now; offline, keep it and say so. Returns the 201 answer or {queued: true}. */
export async function fileReport(key, body) {
  try {
    const answer = await call("/reports", { method: "POST", body, idempotencyKey: key });
    saveReport(answer.id, answer.access_token, body.title);
    noteCodeAsked(answer.id, todayWib(), "filing"); // filing sends the first confirmation code
    return answer;
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
    enqueue(key, body);
    changed({ queued: queued().length });
    return { queued: true };
  }
}

/** Send every kept report, oldest first; stop at the first network failure. */
export async function flush() {
  if (sending) return;
  sending = true;
  try {
    for (const item of queued()) {
      try {
        const answer = await call("/reports", { method: "POST", body: item.body, idempotencyKey: item.key });
        saveReport(answer.id, answer.access_token, item.body.title);
        noteCodeAsked(answer.id, todayWib(), "filing");
        dequeue(item.key);
        changed({ sent: answer.id });
      } catch (error) {
        if (error instanceof NetworkError) break;
        if (error instanceof ApiError && error.status < 500) {
          dequeue(item.key); // refused for good (it was checked before it was kept): drop it, say why
          changed({ refused: error.message });
        } else break;
      }
    }
  } finally {
    sending = false;
  }
}

export function startOutbox() {
  window.addEventListener("online", () => flush());
  if (navigator.onLine !== false && queued().length) flush();
}
