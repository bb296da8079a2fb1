// The race's design as native inputs: a Streamlit component module (ui/design_element.py).
//
// One card per racing optimizer (``data.cards``: ui.controls.design_spec), each a fieldset of
// range inputs (η, β, β₁, β₂, ε, λ …), checkboxes and radio groups. The cards are built anew
// only when their shape changes (other optimizers, another grid of values); a move updates
// the values in place, so the input in the learner's hand keeps its focus. A committed move
// (a range's "change": a key, or the end of a drag) sets the trigger "move" to
// ``{key, value}``: the control's session-state key and its new value.

// How long the learner's moves outrank a render that does not count them yet: a move the app
// refused (from a page that sent what no slider offers) is never counted.
const PENDING_MS = 3000;

const STYLE = `
.pg-design {
  display: flex; flex-wrap: wrap; align-items: flex-start; gap: 0.5rem;
  font-family: "Source Sans", "Source Sans Pro", sans-serif; font-size: 0.95rem; color: #1b2733;
}
.pg-card {
  position: relative; flex: 1 1 12.5rem; min-width: 0; margin: 0; padding: 0.5rem 0.9rem 0.7rem;
  border: 1px solid rgba(27, 39, 51, 0.2); border-radius: 0.5rem;
  display: flex; flex-direction: column; gap: 0.35rem;
}
/* Floated, the legend is the card's first line inside its border, not on the border. */
.pg-card > legend {
  float: left; width: 100%; padding: 0 2rem 0 0; font-weight: 600; font-size: 1rem;
}
.pg-about {
  position: absolute; top: 0.4rem; right: 0.6rem;
  font: inherit; font-size: 0.85rem; line-height: 1; color: #4a5866; background: #ffffff;
  border: 1px solid rgba(27, 39, 51, 0.25); border-radius: 999px; width: 1.5rem; height: 1.5rem;
  padding: 0; cursor: pointer;
}
.pg-about[aria-expanded="true"] { color: #ffffff; background: #0072B2; border-color: #0072B2; }
.pg-help { margin: 0; font-size: 0.85rem; color: #4a5866; }
.pg-card:not(.pg-open) .pg-help { display: none; }
.pg-range {
  display: grid; grid-template-columns: 1fr auto; align-items: baseline; column-gap: 0.5rem;
}
.pg-range > label { color: #4a5866; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.pg-range > output { font-variant-numeric: tabular-nums; color: #005a8c; font-weight: 600; }
.pg-range > input, .pg-range > .pg-help { grid-column: 1 / -1; }
.pg-range > input { width: 100%; margin: 0.15rem 0 0; accent-color: #0072B2; cursor: pointer; }
.pg-check { display: flex; align-items: center; gap: 0.5rem; cursor: pointer; }
.pg-check input, .pg-choice input { accent-color: #0072B2; width: 1.1rem; height: 1.1rem; margin: 0; }
.pg-choices { border: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 0.2rem 1rem; }
.pg-choices > legend { padding: 0; margin-bottom: 0.2rem; color: #4a5866; }
.pg-choice { display: inline-flex; align-items: center; gap: 0.4rem; cursor: pointer; }
.pg-design input:focus-visible, .pg-about:focus-visible {
  outline: 2px solid #0072B2; outline-offset: 2px;
}
@media (pointer: coarse) {
  .pg-range > input { height: 2rem; touch-action: pan-y; }  /* a swipe still scrolls the page */
  .pg-check, .pg-choice { min-height: 2.75rem; }
  .pg-about { width: 2.25rem; height: 2.25rem; }
}
body.pg-presenting .pg-design { font-size: 20px; }
body.pg-presenting .pg-card > legend { font-size: 22px; }
`;

function injectCss() {
  if (document.getElementById("pg-design-css")) return;
  const style = document.createElement("style");
  style.id = "pg-design-css";
  style.textContent = STYLE;
  document.head.appendChild(style);
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const domId = (key) => `pg-design-${key.replace(/[^A-Za-z0-9_-]/g, "-")}`;

// A control's markup, its value set afterwards (show).
function controlMarkup(control) {
  const id = domId(control.key);
  const key = escapeHtml(control.key);
  const help = `<p class="pg-help" id="${id}-help">${escapeHtml(control.help)}</p>`;
  if (control.kind === "range") {
    const bounds = control.values
      ? `min="0" max="${control.values.length - 1}" step="1"`
      : `min="${control.min}" max="${control.max}" step="${control.step}"`;
    return (
      `<div class="pg-range" title="${escapeHtml(control.help)}">` +
      `<label for="${id}">${escapeHtml(control.label)}</label>` +
      `<output for="${id}" aria-hidden="true"></output>` +
      `<input type="range" id="${id}" ${bounds} data-key="${key}" ` +
      `aria-describedby="${id}-help">${help}</div>`
    );
  }
  if (control.kind === "checkbox") {
    return (
      `<div title="${escapeHtml(control.help)}"><label class="pg-check">` +
      `<input type="checkbox" data-key="${key}" aria-describedby="${id}-help">` +
      `${escapeHtml(control.label)}</label>${help}</div>`
    );
  }
  const choices = control.choices.map((choice, i) =>
    `<label class="pg-choice"><input type="radio" name="${id}" value="${i}" ` +
    `data-key="${key}">${escapeHtml(control.labels[i])}</label>`).join("");
  return (
    `<fieldset class="pg-choices" title="${escapeHtml(control.help)}" ` +
    `aria-describedby="${id}-help"><legend>${escapeHtml(control.label)}</legend>` +
    `${choices}${help}</fieldset>`
  );
}

function cardMarkup(card) {
  return (
    `<fieldset class="pg-card" data-card="${escapeHtml(card.name)}">` +
    `<legend>${escapeHtml(card.label)}</legend>` +
    `<button type="button" class="pg-about" aria-expanded="false" ` +
    `aria-label="What ${escapeHtml(card.label)} and its sliders do" ` +
    `title="${escapeHtml(card.summary)}">?</button>` +
    `<p class="pg-help">${escapeHtml(card.summary)}</p>` +
    card.controls.map(controlMarkup).join("") +
    `</fieldset>`
  );
}

// What a range input stands for: a value of its grid, or its own value.
function rangeValue(input, control) {
  return control.values ? control.values[Number(input.value)] : Number(input.value);
}

// A range's value beside it, and as its spoken value.
function showRange(input, control) {
  const text = control.values
    ? control.labels[Number(input.value)]
    : Number(input.value).toFixed(control.decimals);
  input.setAttribute("aria-valuetext", text);
  const output = input.previousElementSibling;
  if (output.textContent !== text) output.textContent = text;
}

// The value ``control`` sends for its input ``input`` that just changed.
function moved(input, control) {
  if (control.kind === "range") return rangeValue(input, control);
  if (control.kind === "checkbox") return input.checked;
  return control.choices[Number(input.value)];
}

// The input's own form of the app's value: a range's position, a radio's index.
function inputValue(control) {
  if (control.kind === "range") {
    return control.values ? String(control.values.indexOf(control.value)) : String(control.value);
  }
  if (control.kind === "checkbox") return Boolean(control.value);
  return String(control.choices.findIndex((c) => c === control.value));
}

function build(parentElement, setTriggerValue) {
  const root = document.createElement("div");
  root.className = "pg-design";
  root.setAttribute("role", "group");
  root.setAttribute("aria-label", "Each optimizer's hyperparameters");
  // The moves sent that no render has counted yet (``data.revision`` counts the moves the
  // app took), and the keys they moved.
  root.pending = new Set();
  root.unanswered = 0;
  root.controls = {};
  parentElement.appendChild(root);
  root.addEventListener("input", (event) => {
    const input = event.target.closest("input[type=range]");
    if (input) showRange(input, root.controls[input.dataset.key]);
  });
  root.addEventListener("change", (event) => {
    const input = event.target.closest("input[data-key]");
    const control = input && root.controls[input.dataset.key];
    if (!control) return;
    const value = moved(input, control);
    root.pending.add(control.key);
    root.unanswered += 1;
    root.movedAt = performance.now();
    setTriggerValue("move", { key: control.key, value });
  });
  root.addEventListener("click", (event) => {
    const about = event.target.closest(".pg-about");
    if (!about) return;
    const open = about.getAttribute("aria-expanded") !== "true";
    about.setAttribute("aria-expanded", String(open));
    about.closest(".pg-card").classList.toggle("pg-open", open);
  });
  // A range in the learner's hand is not moved under it.
  root.addEventListener("pointerdown", (event) => {
    root.held = event.target.closest("input[type=range]");
  });
  const release = () => { root.held = null; };
  window.addEventListener("pointerup", release, true);
  window.addEventListener("pointercancel", release, true);
  return root;
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  injectCss();
  const root = parentElement.querySelector(":scope > .pg-design") ??
    build(parentElement, setTriggerValue);
  const shape = JSON.stringify(data.cards.map((card) => ({
    ...card, controls: card.controls.map(({ value, labels, ...rest }) => rest),
  })));
  if (root.shape !== shape) {
    const focused = root.contains(document.activeElement) && document.activeElement.dataset.key;
    const open = new Set([...root.querySelectorAll(".pg-card.pg-open")].map((c) => c.dataset.card));
    root.innerHTML = data.cards.map(cardMarkup).join("");
    root.shape = shape;
    for (const card of root.querySelectorAll(".pg-card")) {
      if (!open.has(card.dataset.card)) continue;
      card.classList.add("pg-open");
      card.querySelector(".pg-about").setAttribute("aria-expanded", "true");
    }
    if (focused) root.querySelector(`[data-key="${CSS.escape(focused)}"]`)?.focus();
  }
  root.controls = Object.fromEntries(
    data.cards.flatMap((card) => card.controls).map((control) => [control.key, control]));
  // A render from before the learner's last moves (a run that started before the app took
  // them) leaves the controls they moved as the learner left them.
  const answered = data.revision - (root.revision ?? data.revision);
  const early = root.unanswered > answered && performance.now() - root.movedAt < PENDING_MS;
  if (!early) {
    root.pending.clear();
    root.unanswered = 0;
    root.revision = data.revision;
  }
  for (const control of Object.values(root.controls)) {
    if (early && root.pending.has(control.key)) continue;
    const inputs = root.querySelectorAll(`input[data-key="${CSS.escape(control.key)}"]`);
    const value = inputValue(control);
    for (const input of inputs) {
      if (input === root.held) continue;
      if (control.kind === "range") {
        if (input.value !== value) input.value = value;
        showRange(input, control);
      } else if (control.kind === "checkbox") {
        input.checked = value;
      } else {
        input.checked = input.value === value;
      }
    }
  }
}
