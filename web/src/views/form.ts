// Labelled form fields whose errors come from the server's problem+json, field by field.
import { ApiError } from "../api";
import { h } from "../dom";

export interface Field {
  wrap: HTMLElement;
  input: HTMLInputElement | HTMLTextAreaElement;
  error: HTMLElement;
}

let counter = 0;

export function field(
  label: string,
  name: string,
  attrs: Record<string, string | number | boolean> = {},
  multiline = false,
): Field {
  const id = `f-${name}-${++counter}`;
  const error = h("p", { class: "field-error", id: `${id}-error`, role: "alert" });
  const common = { id, name, "aria-describedby": `${id}-error`, ...attrs };
  const input = multiline ? h("textarea", common) : h("input", common);
  const wrap = h("div", { class: "field" }, h("label", { for: id }, label), input, error);
  return { wrap, input, error };
}

/** Shows a failed request: each field's own message beside it, the summary at the top. */
export function showErrors(err: unknown, fields: Field[], summary: HTMLElement): void {
  for (const f of fields) f.error.textContent = "";
  if (!(err instanceof ApiError)) {
    summary.textContent = "Something went wrong. Try again.";
    return;
  }
  let placed = false;
  for (const f of fields) {
    const message = err.fields[f.input.name];
    if (message) {
      f.error.textContent = message;
      f.input.setAttribute("aria-invalid", "true");
      placed = true;
    } else {
      f.input.removeAttribute("aria-invalid");
    }
  }
  summary.textContent = placed ? "" : err.message;
  (fields.find((f) => f.error.textContent)?.input ?? summary).focus?.();
}
