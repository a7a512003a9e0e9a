// Indonesian first, whatever the browser's language; English through the page's own switch (kept on the device).
import { useEffect, useState } from "./lib.js";

const KEY = "lapor.lang";
const dictionaries = { id: {}, en: {} };
const listeners = new Set();
let current = readStored();

function readStored() {
  try {
    return localStorage.getItem(KEY) === "en" ? "en" : "id";
  } catch {
    return "id";
  }
}

export function register(strings) {
  for (const lang of ["id", "en"]) Object.assign(dictionaries[lang], strings[lang]);
}

export function lang() {
  return current;
}

/** The text of `key` in the page's language; `{name}` placeholders take `params`. */
export function t(key, params) {
  const text = dictionaries[current][key] ?? dictionaries.id[key] ?? key;
  return params ? text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? "")) : text;
}

export function setLang(next) {
  current = next === "en" ? "en" : "id";
  try {
    localStorage.setItem(KEY, current);
  } catch {
    /* private mode: the choice lasts for the page */
  }
  document.documentElement.lang = current;
  listeners.forEach((listener) => listener());
}

export function applyStoredLang() {
  document.documentElement.lang = current;
}

/** Re-render on a language switch. */
export function useLang() {
  const [, bump] = useState(0);
  useEffect(() => {
    const listener = () => bump((n) => n + 1);
    listeners.add(listener);
    return () => listeners.delete(listener);
  }, []);
  return current;
}
