// The page as pruned HTML, one element or text per line, indented by depth: hidden elements,
// scripts, styles and comments are left out; attributes are kept only when they tell an agent
// something (a whitelist); text is clipped. Elements that carry an id in the page text keep it as
// bid="N" (the id the actions take). Runs after snapshot.js, which numbers the elements. Called with
// a fixed options object; no agent text ever reaches this code. Same-origin iframes are inlined.
(opts) => {
  const SKIP_TAGS = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "HEAD", "META", "LINK"]);
  const VOID = new Set(["INPUT", "IMG", "BR", "HR", "AREA", "SOURCE", "WBR", "COL", "EMBED", "TRACK"]);
  const KEEP = ["id", "name", "type", "href", "role", "title", "alt", "placeholder", "for", "aria-label",
                "aria-expanded", "aria-checked", "aria-selected", "aria-disabled", "target", "action", "method",
                "colspan", "rowspan", "contenteditable", "draggable", "tabindex", "class"];
  const norm = (s) => (s || "").replace(/\s+/g, " ").trim();
  const clip = (s, n) => (s.length > n ? s.slice(0, n - 1) + "…" : s);
  const attr = (k, v) => " " + k + '="' + clip(String(v), opts.maxName).replace(/&/g, "&amp;").replace(/"/g, "&quot;") + '"';
  const lines = [];
  let budget = opts.maxChars;
  const emit = (depth, text) => {
    if (budget <= 0) return;
    const line = "  ".repeat(Math.min(depth, 12)) + text;
    budget -= line.length + 1;
    lines.push(line);
  };
  const skip = new Set();
  for (const sel of opts.skipSelectors || []) document.querySelectorAll(sel).forEach((e) => skip.add(e));
  function open(el) {
    let s = "<" + el.tagName.toLowerCase();
    const bid = el.getAttribute("data-envgym-id");
    if (bid) s += attr("bid", bid);
    for (const k of KEEP) if (el.hasAttribute(k)) s += attr(k, el.getAttribute(k));
    if (el.tagName === "INPUT" || el.tagName === "TEXTAREA") {
      if (el.type === "checkbox" || el.type === "radio") { if (el.checked) s += " checked"; }
      else s += attr("value", el.type === "password" ? "•".repeat(el.value.length) : el.value);
    }
    if (el.tagName === "OPTION" && el.selected) s += " selected";
    if (el.disabled) s += " disabled";
    return s + ">";
  }
  function walk(el, depth) {
    if (budget <= 0 || SKIP_TAGS.has(el.tagName) || skip.has(el)) return;
    if (el.checkVisibility && !el.checkVisibility({visibilityProperty: true}) && el.tagName !== "OPTION") return;
    const tag = el.tagName.toLowerCase();
    if (el.tagName === "IFRAME") {
      let inner = null;
      try { inner = el.contentDocument; } catch (e) { inner = null; }
      emit(depth, open(el));
      if (inner && inner.body) walk(inner.body, depth + 1);
      emit(depth, "</iframe>");
      return;
    }
    const children = Array.from(el.childNodes).filter((c) => (c.nodeType === 3 && norm(c.data)) || c.nodeType === 1);
    if (VOID.has(el.tagName)) { emit(depth, open(el)); return; }
    if (children.length === 0) { emit(depth, open(el) + "</" + tag + ">"); return; }
    if (children.length === 1 && children[0].nodeType === 3) {
      emit(depth, open(el) + clip(norm(children[0].data), opts.maxText) + "</" + tag + ">");
      return;
    }
    emit(depth, open(el));
    for (const c of children) {
      if (c.nodeType === 3) emit(depth + 1, clip(norm(c.data), opts.maxText));
      else walk(c, depth + 1);
    }
    if (el.shadowRoot) for (const c of el.shadowRoot.children) walk(c, depth + 1);
    emit(depth, "</" + tag + ">");
  }
  walk(document.body || document.documentElement, 0);
  return {lines: lines, truncated: budget <= 0};
}
