/// <reference lib="dom" />

// What a delegated DOM event hands the component as its `payload` (JSON text; docs/web.md).
// Only data a component can act on and that replays the same anywhere: no coordinates or
// timestamps, so an event log recorded in one browser (or written by hand) drives any renderer.
// Keys are written in a fixed order, so the same event gives the same bytes.

const q = JSON.stringify;

/** The JSON payload of a DOM event, as components receive it. */
export function eventPayload(e: Event): string {
  const t = e.target as (Element & Partial<HTMLInputElement>) | null;
  switch (e.type) {
    case "input":
    case "change": {
      if (t === null) return "{}";
      if (t.type === "checkbox" || t.type === "radio")
        return `{"value":${q(t.value ?? "")},"checked":${t.checked === true}}`;
      return `{"value":${q(typeof t.value === "string" ? t.value : "")}}`;
    }
    case "keydown":
    case "keyup":
    case "keypress":
      return keyPayload(e as KeyboardEvent);
    case "submit":
      return submitPayload(e);
    default:
      return "{}";
  }
}

function keyPayload(e: KeyboardEvent): string {
  let out = `{"key":${q(e.key ?? "")}`;
  if (e.altKey) out += `,"alt":true`;
  if (e.ctrlKey) out += `,"ctrl":true`;
  if (e.metaKey) out += `,"meta":true`;
  if (e.shiftKey) out += `,"shift":true`;
  return `${out}}`;
}

// A form's named fields, as `{"values": {name: value}}` (files and unnamed fields left out; a
// name given twice keeps its last value).
function submitPayload(e: Event): string {
  const form = e.target as HTMLFormElement | null;
  const values: Record<string, string> = {};
  if (form !== null && typeof FormData === "function" && form instanceof HTMLFormElement) {
    new FormData(form).forEach((value, name) => {
      if (typeof value === "string") values[name] = value;
    });
  }
  return `{"values":${q(values)}}`;
}
