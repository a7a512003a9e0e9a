// Dates in WIB (Asia/Jakarta), as the API counts them; working days left to a deadline.
import { lang } from "./i18n.js";

const ZONE = "Asia/Jakarta";

function locale() {
  return lang() === "en" ? "en-GB" : "id-ID";
}

export function dateTime(iso) {
  if (!iso) return "";
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short", timeZone: ZONE }).format(new Date(iso)) + " WIB";
}

export function date(iso) {
  if (!iso) return "";
  return new Intl.DateTimeFormat(locale(), { weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: ZONE }).format(new Date(iso));
}

/** The WIB calendar date (YYYY-MM-DD) of an instant. */
export function wibDate(instant) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: ZONE }).format(instant);
}

export function todayWib() {
  return wibDate(new Date());
}

/**
 * Working days (Monday to Friday) from today (WIB) up to a deadline instant, which the API gives as the end
 * (24:00 WIB) of its last working day. Negative once past. The city's holidays are not counted out: the
 * deadline's own date is shown beside the figure.
 */
export function workingDaysLeft(deadlineIso, now = new Date()) {
  const deadline = new Date(deadlineIso);
  const sign = deadline >= now ? 1 : -1;
  const [from, to] = sign > 0 ? [now, deadline] : [deadline, now];
  let day = new Date(`${wibDate(from)}T00:00:00Z`);
  const end = new Date(`${wibDate(new Date(to.getTime() - 1))}T00:00:00Z`);
  let count = 0;
  while (day <= end) {
    const weekday = day.getUTCDay();
    if (weekday !== 0 && weekday !== 6) count += 1;
    day = new Date(day.getTime() + 86400000);
  }
  return sign * count;
}

export function number(value, digits = 1) {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(value);
}

export function percent(value) {
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 0 }).format(value);
}
