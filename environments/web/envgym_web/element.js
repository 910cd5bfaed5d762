// Prepares one element action in the page's main world, in a single round trip, so that the common
// case needs neither Playwright's selector engine nor its injected script (installing that script in
// every new document costs more CPU than the navigation itself). Called with a fixed argument object
// built by the environment: the element id is an integer and agent text is only ever a value compared
// or returned, never code. Answers:
//   {point: [x, y]}  the element is actionable; the caller sends real mouse events there
//   {done: true}     the operation is complete (focus-and-select for typing, option chosen, scrolled)
//   {error: "..."}   a final error for the agent
//   {fallback: "..."} not actionable right now (hidden, disabled, moving, covered, special input):
//                     the caller retries with Playwright's locator, which waits and explains
async (args) => {
  const selector = '[data-envgym-id="' + String(args.id) + '"]';
  const find = (root) => {  // ids are unique per document; open shadow roots are searched too
    const direct = root.querySelector(selector);
    if (direct) return direct;
    for (const host of root.querySelectorAll("*")) {
      if (host.shadowRoot) { const inner = find(host.shadowRoot); if (inner) return inner; }
    }
    return null;
  };
  const el = find(document);
  if (!el) return {error: "element [" + args.id + "] is no longer on the page; use an id from the latest page text"};

  const SET_VALUE_TYPES = new Set(["color", "date", "time", "datetime-local", "month", "range", "week"]);
  const TEXT_TYPES = new Set(["", "text", "search", "email", "url", "tel", "password", "number"]);
  const visible = () => {
    if (el.checkVisibility && !el.checkVisibility({visibilityProperty: true})) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const disabled = () => (el.matches(":disabled") || el.closest('[aria-disabled="true"]') !== null);
  const nextFrame = () => new Promise((resolve) => {
    requestAnimationFrame(() => resolve(true));
    setTimeout(() => resolve(false), 200);  // a page without frames (hidden): let Playwright decide
  });
  const inside = (node) => {  // node is el or inside it, across shadow roots
    for (let n = node; n; n = n.parentNode || n.host) if (n === el) return true;
    return false;
  };
  const deepHit = (x, y) => {
    let hit = document.elementFromPoint(x, y);
    while (hit && hit.shadowRoot) {
      const inner = hit.shadowRoot.elementFromPoint(x, y);
      if (!inner || inner === hit) break;
      hit = inner;
    }
    return hit;
  };

  async function point(needEnabled) {
    if (!visible()) return {fallback: "it is not visible"};
    if (needEnabled && disabled()) return {fallback: "it is disabled"};
    const r0 = el.getBoundingClientRect();
    if (r0.top < 0 || r0.left < 0 || r0.bottom > innerHeight || r0.right > innerWidth) {
      el.scrollIntoView({block: "center", inline: "center", behavior: "instant"});
    }
    // Stable: the same box across an animation frame, as Playwright requires before a click.
    const before = el.getBoundingClientRect();
    if (!(await nextFrame())) return {fallback: "the page draws no frames"};
    const rects = Array.from(el.getClientRects()).filter((q) => q.width > 0 && q.height > 0);
    const after = el.getBoundingClientRect();
    if (!rects.length || before.x !== after.x || before.y !== after.y || before.width !== after.width ||
        before.height !== after.height) return {fallback: "it is moving"};
    const q = rects[0];
    const x = Math.min(Math.max(q.left + q.width / 2, 0), innerWidth - 1);
    const y = Math.min(Math.max(q.top + q.height / 2, 0), innerHeight - 1);
    const hit = deepHit(x, y);
    if (!inside(hit)) {
      const what = hit ? hit.tagName.toLowerCase() + (hit.id ? "#" + hit.id : "") : "nothing";
      return {fallback: "another element (" + what + ") covers it"};
    }
    return {point: [x, y]};
  }

  function focusForTyping() {
    if (!visible()) return {fallback: "it is not visible"};
    if (disabled()) return {fallback: "it is disabled"};
    if (el.tagName === "INPUT") {
      const type = (el.getAttribute("type") || "").toLowerCase();
      if (!TEXT_TYPES.has(type) || SET_VALUE_TYPES.has(type) || el.readOnly) return {fallback: "it is not a plain text field"};
      if (type === "number" && args.text.trim() !== "" && isNaN(Number(args.text.trim()))) return {fallback: "the field takes numbers"};
      el.focus();
      el.select();
    } else if (el.tagName === "TEXTAREA") {
      if (el.readOnly) return {fallback: "it is read-only"};
      el.focus();
      el.select();
    } else if (el.isContentEditable) {
      el.focus();
      const range = document.createRange();
      range.selectNodeContents(el);
      const selection = getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    } else {
      return {fallback: "it is not a text field"};
    }
    return document.activeElement === el ? {done: true} : {fallback: "it did not take the focus"};
  }

  function choose() {
    if (el.tagName !== "SELECT") return {fallback: "it is not a drop-down (<select>)"};
    if (!visible()) return {fallback: "it is not visible"};
    if (disabled()) return {fallback: "it is disabled"};
    const options = Array.from(el.options);
    const match = options.find((o) => o.label === args.option) || options.find((o) => o.value === args.option);
    if (!match) {
      const labels = options.map((o) => o.label).join(" | ");
      return {error: "select failed: no option labelled or valued " + JSON.stringify(args.option) + " (options: " + labels + ")"};
    }
    for (const o of options) o.selected = o === match;
    el.dispatchEvent(new Event("input", {bubbles: true, composed: true}));
    el.dispatchEvent(new Event("change", {bubbles: true}));
    return {done: true};
  }

  if (args.op === "click") return await point(true);
  if (args.op === "hover") return await point(false);
  if (args.op === "type") return focusForTyping();
  if (args.op === "select") return choose();
  if (args.op === "scroll") {
    el.scrollBy(args.dx * el.clientWidth * 0.8, args.dy * el.clientHeight * 0.8);
    return {done: true};
  }
  return {error: "unknown element operation"};
}
