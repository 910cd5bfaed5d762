// Walks the DOM and returns a compact accessibility-tree-like list of lines. Interactive elements
// get a short id, stored in a data-envgym-id attribute so it stays the same for as long as the
// element lives on the page. Called with a fixed options object built by the environment; no agent
// text ever reaches this code. Same-origin iframes are walked as part of the page (their elements
// numbered from the same counter); positions (`at=`, `size=`, the set-of-marks boxes) are in the top
// viewport's CSS pixels, the coordinates the mouse actions take.
(opts) => {
  const SKIP_TAGS = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "HEAD", "META", "LINK", "BR", "HR"]);
  const ROLE_BY_TAG = {A: "link", BUTTON: "button", SELECT: "combobox", TEXTAREA: "textbox", SUMMARY: "button",
                       H1: "heading", H2: "heading", H3: "heading", H4: "heading", H5: "heading", H6: "heading",
                       IMG: "img", OPTION: "option", LABEL: "label", DETAILS: "group"};
  const INPUT_ROLES = {checkbox: "checkbox", radio: "radio", submit: "button", button: "button", reset: "button",
                       range: "slider", number: "spinbutton", search: "searchbox", image: "button"};
  const INTERACTIVE_ROLES = new Set(["link", "button", "combobox", "textbox", "searchbox", "checkbox", "radio",
    "slider", "spinbutton", "tab", "menuitem", "menuitemcheckbox", "menuitemradio", "option", "switch", "treeitem",
    "listbox", "gridcell"]);
  const skip = new Set();
  for (const sel of opts.skipSelectors || []) document.querySelectorAll(sel).forEach((e) => skip.add(e));
  if (window.__envgymNext === undefined) window.__envgymNext = 1;
  const lines = [];
  const boxes = [];  // [id, x, y, w, h] of each listed element's visible box (set-of-marks screenshots)
  let ox = 0, oy = 0;  // offset of the document being walked (an iframe's) in the top viewport
  const clip = (s, n) => (s.length > n ? s.slice(0, n - 1) + "…" : s);
  // A field's value keeps its start and its end when cut (the last words of a long text matter too).
  const clipMiddle = (s, n) => (s.length > n ? s.slice(0, Math.ceil(n / 2) - 1) + "…" + s.slice(s.length - Math.floor(n / 2)) : s);
  const norm = (s) => (s || "").replace(/\s+/g, " ").trim();
  const quote = (s) => JSON.stringify(clip(norm(s), opts.maxName));

  function roleOf(el) {
    const explicit = el.getAttribute("role");
    if (explicit) return explicit.split(" ")[0];
    if (el.tagName === "A") return el.hasAttribute("href") ? "link" : null;
    if (el.tagName === "INPUT") {
      const t = (el.getAttribute("type") || "text").toLowerCase();
      if (t === "hidden") return null;
      return INPUT_ROLES[t] || "textbox";
    }
    if (el.tagName === "SELECT" && el.multiple) return "listbox";
    return ROLE_BY_TAG[el.tagName] || null;
  }
  function interactive(el, role) {
    if (role && INTERACTIVE_ROLES.has(role)) return true;
    if (el.tagName === "INPUT" && el.type !== "hidden") return true;
    if (el.isContentEditable && (el.parentElement === null || !el.parentElement.isContentEditable)) return true;
    if (el.hasAttribute("onclick") || el.getAttribute("draggable") === "true") return true;
    const drop = el.getAttribute("aria-dropeffect");  // a drop target (ARIA drag and drop)
    if (drop && drop !== "none") return true;
    const tab = el.getAttribute("tabindex");
    if (tab !== null && +tab >= 0) return true;
    if (opts.textIsInteractive && el instanceof el.ownerDocument.defaultView.SVGElement && el.tagName !== "svg" && el.tagName !== "g") return true;
    const view = el.ownerDocument.defaultView;
    if (opts.pointerIsInteractive && view.getComputedStyle(el).cursor === "pointer" &&
        !(el.parentElement && view.getComputedStyle(el.parentElement).cursor === "pointer")) return true;
    if (opts.textIsInteractive) {
      for (const c of el.childNodes) if (c.nodeType === 3 && norm(c.data)) return true;
      // Leaves with a size (coloured boxes, grid cells) are click targets in MiniWoB pages.
      if (el.childElementCount === 0 && el !== el.ownerDocument.body) {
        const r = el.getBoundingClientRect();
        if (r.width > 0 && r.height > 0) return true;
      }
    }
    return false;
  }
  function labelText(label) {
    let s = "";
    for (const c of label.childNodes) {
      if (c.nodeType === 3) s += c.data + " ";
      else if (c.nodeType === 1 && !["SELECT", "INPUT", "TEXTAREA", "BUTTON"].includes(c.tagName)) s += c.textContent + " ";
    }
    return s;
  }
  function labelFor(el) {
    const aria = el.getAttribute("aria-label");
    if (aria) return aria;
    const by = el.getAttribute("aria-labelledby");
    if (by) {
      const t = by.split(/\s+/).map((id) => el.ownerDocument.getElementById(id)).filter(Boolean).map((e) => e.textContent).join(" ");
      if (norm(t)) return t;
    }
    if (el.labels && el.labels.length) return Array.from(el.labels).map(labelText).join(" ");
    const prev = el.previousElementSibling;
    if (prev && prev.tagName === "LABEL" && !prev.control && norm(prev.textContent)) return prev.textContent;
    if (el.tagName === "IMG") return el.getAttribute("alt") || el.getAttribute("title") || "";
    if (el.tagName === "INPUT" && ["submit", "button", "reset"].includes(el.type)) return el.value;
    if (["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName)) return el.getAttribute("placeholder") || el.getAttribute("title") || el.getAttribute("name") || "";
    if (el instanceof el.ownerDocument.defaultView.SVGElement) return el.textContent || el.getAttribute("data-shape") || "";
    if (el.tagName === "IFRAME") return el.getAttribute("title") || el.getAttribute("name") || "";
    return el.textContent || el.getAttribute("title") || "";
  }
  function states(el, role) {
    const out = [];
    if (el.tagName === "SELECT") {
      const sel = Array.from(el.selectedOptions).map((o) => norm(o.textContent));
      if (sel.length) out.push("value=" + JSON.stringify(clip(sel.join(", "), opts.maxName)));
      const options = Array.from(el.options).map((o) => norm(o.textContent));
      out.push("options=" + JSON.stringify(clip(options.join(" | "), opts.maxText)));
    } else if (el.tagName === "INPUT" && (el.type === "checkbox" || el.type === "radio")) {
      out.push(el.checked ? "checked" : "unchecked");
    } else if (["INPUT", "TEXTAREA"].includes(el.tagName) && !["submit", "button", "reset", "image"].includes(el.type)) {
      if (el.type && el.type !== "text" && el.tagName === "INPUT") out.push("type=" + el.type);
      out.push("value=" + JSON.stringify(clipMiddle(el.type === "password" ? "•".repeat(el.value.length) : el.value, opts.maxValue)));
    } else if (el.isContentEditable) {
      out.push("value=" + JSON.stringify(clipMiddle(norm(el.textContent), opts.maxValue)));
    }
    if (el.tagName === "TEXTAREA") out.push("multiline");
    if (el.tagName === "SELECT" && el.multiple) out.push("multiple");
    if (el.disabled) out.push("disabled");
    if (el.getAttribute("aria-expanded")) out.push("expanded=" + el.getAttribute("aria-expanded"));
    if (el.getAttribute("aria-selected") === "true") out.push("selected");
    if (el.getAttribute("aria-checked")) out.push("checked=" + el.getAttribute("aria-checked"));
    if (el.ownerDocument.activeElement === el && el !== el.ownerDocument.body) out.push("focused");
    if (opts.showColors && !norm(labelFor(el)) && typeof el.className === "string" && el.className.trim()) {
      out.push("class=" + JSON.stringify(el.className.trim().split(/\s+/).slice(0, 2).join(" ")));
    }
    if (opts.showColors) {
      // Where every element is and how big (tasks about positions, dragging, calendars), in the top
      // viewport's CSS pixels: the coordinates the mouse actions take.
      const r = el.getBoundingClientRect();
      out.push("at=" + Math.round(ox + r.left + r.width / 2) + "," + Math.round(oy + r.top + r.height / 2));
      out.push("size=" + Math.round(r.width) + "x" + Math.round(r.height));
      const style = el.ownerDocument.defaultView.getComputedStyle(el);
      const bg = style.backgroundColor;
      if (bg && bg !== "rgba(0, 0, 0, 0)" && bg !== "transparent") out.push("bg=" + bg.replace(/\s+/g, ""));
      if (el instanceof el.ownerDocument.defaultView.SVGElement && el.tagName !== "svg" && el.tagName !== "g") {
        const fill = style.fill;  // the colour an SVG shape is drawn with
        if (fill && fill !== "none") out.push("fill=" + fill.replace(/\s+/g, ""));
      }
    }
    return out;
  }
  function visible(el) {
    if (el.checkVisibility && !el.checkVisibility({visibilityProperty: true})) return false;
    return true;
  }
  function emit(depth, text) { lines.push("  ".repeat(Math.min(depth, 8)) + text); }

  function walk(el, depth, insideNamed) {
    if (SKIP_TAGS.has(el.tagName) || skip.has(el)) return;
    if (!visible(el)) return;
    const role = roleOf(el);
    let next = depth;
    if (interactive(el, role) && !(el.tagName === "OPTION" && el.parentElement && el.parentElement.tagName === "SELECT")
        && el.tagName !== "LABEL") {
      let id = el.getAttribute("data-envgym-id");
      if (!id) { id = String(window.__envgymNext++); el.setAttribute("data-envgym-id", id); }
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0 && !(el.tagName === "INPUT" && el.labels && el.labels.length)) return;
      const kind = role || el.tagName.toLowerCase();
      const st = states(el, role);
      if (opts.boxes) {
        const vx = Math.max(0, ox + r.left), vy = Math.max(0, oy + r.top);
        const vw = Math.min(innerWidth, ox + r.right) - vx, vh = Math.min(innerHeight, oy + r.bottom) - vy;
        if (vw > 0 && vh > 0) boxes.push([+id, Math.round(vx), Math.round(vy), Math.round(vw), Math.round(vh)]);
      }
      emit(depth, "[" + id + "] " + kind + " " + quote(labelFor(el)) + (st.length ? " " + st.join(" ") : ""));
      if (el.tagName === "SELECT" || el.tagName === "TEXTAREA") return;
      insideNamed = true; next = depth + 1;
    } else if (el.tagName === "LABEL" && el.control) {
      insideNamed = true;  // the control inside carries this text as its name
    } else if (role === "heading" || role === "img") {
      emit(depth, role + " " + quote(labelFor(el)));
      insideNamed = true; next = depth + 1;
    } else if (el.tagName === "IFRAME") {
      let inner = null;
      try { inner = el.contentDocument; } catch (e) { inner = null; }
      if (!inner || !inner.body) { emit(depth, "iframe " + quote(labelFor(el)) + " (another site's frame: not shown)"); return; }
      emit(depth, "iframe " + quote(labelFor(el)));
      const r = el.getBoundingClientRect(), s = el.ownerDocument.defaultView.getComputedStyle(el);
      const saved = [ox, oy];
      ox += r.left + el.clientLeft + parseFloat(s.paddingLeft || 0);
      oy += r.top + el.clientTop + parseFloat(s.paddingTop || 0);
      walk(inner.body, depth + 1, false);
      [ox, oy] = saved;
      return;
    }
    for (const child of el.childNodes) {
      if (child.nodeType === 3) {
        if (!insideNamed) { const t = norm(child.data); if (t) emit(next, clip(t, opts.maxText)); }
      } else if (child.nodeType === 1) {
        walk(child, next, insideNamed);
      }
    }
    if (el.shadowRoot) for (const child of el.shadowRoot.children) walk(child, next, insideNamed);
  }
  walk(document.body || document.documentElement, 0, false);
  return {lines: lines, title: document.title, url: location.href, boxes: opts.boxes ? boxes : null};
}
