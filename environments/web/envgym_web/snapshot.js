// Walks the DOM and returns a compact accessibility-tree-like list of lines. Interactive elements
// get a short id, stored in a data-envgym-id attribute so it stays the same for as long as the
// element lives on the page. Called with a fixed options object built by the environment; no agent
// text ever reaches this code.
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
  const clip = (s, n) => (s.length > n ? s.slice(0, n - 1) + "…" : s);
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
    if (el.hasAttribute("onclick")) return true;
    const tab = el.getAttribute("tabindex");
    if (tab !== null && +tab >= 0) return true;
    if (opts.textIsInteractive && el instanceof SVGElement && el.tagName !== "svg" && el.tagName !== "g") return true;
    if (opts.pointerIsInteractive && getComputedStyle(el).cursor === "pointer" &&
        !(el.parentElement && getComputedStyle(el.parentElement).cursor === "pointer")) return true;
    if (opts.textIsInteractive) {
      for (const c of el.childNodes) if (c.nodeType === 3 && norm(c.data)) return true;
      // Leaves with a size (coloured boxes, grid cells) are click targets in MiniWoB pages.
      if (el.childElementCount === 0 && el !== document.body) {
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
      const t = by.split(/\s+/).map((id) => document.getElementById(id)).filter(Boolean).map((e) => e.textContent).join(" ");
      if (norm(t)) return t;
    }
    if (el.labels && el.labels.length) return Array.from(el.labels).map(labelText).join(" ");
    const prev = el.previousElementSibling;
    if (prev && prev.tagName === "LABEL" && !prev.control && norm(prev.textContent)) return prev.textContent;
    if (el.tagName === "IMG") return el.getAttribute("alt") || el.getAttribute("title") || "";
    if (el.tagName === "INPUT" && ["submit", "button", "reset"].includes(el.type)) return el.value;
    if (["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName)) return el.getAttribute("placeholder") || el.getAttribute("title") || el.getAttribute("name") || "";
    if (el instanceof SVGElement) return el.textContent || el.getAttribute("data-shape") || "";
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
      out.push("value=" + JSON.stringify(clip(el.type === "password" ? "•".repeat(el.value.length) : el.value, opts.maxName)));
    } else if (el.isContentEditable) {
      out.push("value=" + JSON.stringify(clip(norm(el.textContent), opts.maxName)));
    }
    if (el.disabled) out.push("disabled");
    if (el.getAttribute("aria-expanded")) out.push("expanded=" + el.getAttribute("aria-expanded"));
    if (el.getAttribute("aria-selected") === "true") out.push("selected");
    if (el.getAttribute("aria-checked")) out.push("checked=" + el.getAttribute("aria-checked"));
    if (document.activeElement === el && el !== document.body) out.push("focused");
    if (opts.showColors && !norm(labelFor(el)) && typeof el.className === "string" && el.className.trim()) {
      out.push("class=" + JSON.stringify(el.className.trim().split(/\s+/).slice(0, 2).join(" ")));
    }
    if (opts.showColors && (el instanceof SVGElement || !norm(labelFor(el)))) {
      const r = el.getBoundingClientRect();  // where the unlabelled shape is, for tasks about positions
      out.push("at=" + Math.round(r.left + r.width / 2) + "," + Math.round(r.top + r.height / 2));
    }
    if (opts.showColors) {
      const bg = getComputedStyle(el).backgroundColor;
      if (bg && bg !== "rgba(0, 0, 0, 0)" && bg !== "transparent") out.push("bg=" + bg.replace(/\s+/g, ""));
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
      emit(depth, "[" + id + "] " + kind + " " + quote(labelFor(el)) + (st.length ? " " + st.join(" ") : ""));
      if (el.tagName === "SELECT" || el.tagName === "TEXTAREA") return;
      insideNamed = true; next = depth + 1;
    } else if (el.tagName === "LABEL" && el.control) {
      insideNamed = true;  // the control inside carries this text as its name
    } else if (role === "heading" || role === "img") {
      emit(depth, role + " " + quote(labelFor(el)));
      insideNamed = true; next = depth + 1;
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
  return {lines: lines, title: document.title, url: location.href};
}
