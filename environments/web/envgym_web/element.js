// Prepares one element action in the page's main world, in a single round trip, so that the common
// case needs neither Playwright's selector engine nor its injected script (installing that script in
// every new document costs more CPU than the navigation itself). Called with a fixed argument object
// built by the environment: the element id is an integer and agent text is only ever a value compared
// or returned, never code. Elements inside same-origin iframes are found too; every point returned is
// in the top-level viewport's CSS pixels (what page.mouse takes). Answers:
//   {point: [x, y]}   the element is actionable at that point (a visible part of it, the centre when
//                     it is not covered); the caller sends real mouse events there
//   {points: [[x, y], [x, y]]}  select_text: where the drag over the text starts and ends
//   {done: true}      the operation is complete (focus-and-select for typing, option chosen, scrolled)
//   {error: "..."}    a final error for the agent
//   {fallback: "..."} not actionable right now (hidden, disabled, moving, covered, special input):
//                     the caller retries with Playwright's locator, which waits and explains
async (args) => {
  const selector = '[data-envgym-id="' + String(args.id) + '"]';
  const find = (root) => {  // ids are unique per page; open shadow roots and same-origin iframes are searched too
    const direct = root.querySelector(selector);
    if (direct) return direct;
    for (const host of root.querySelectorAll("*")) {
      let inner = null;
      if (host.shadowRoot) inner = find(host.shadowRoot);
      if (!inner && host.tagName === "IFRAME") {
        let doc = null;
        try { doc = host.contentDocument; } catch (e) { doc = null; }
        if (doc) inner = find(doc);
      }
      if (inner) return inner;
    }
    return null;
  };
  const el = find(document);
  if (!el) return {error: "element [" + args.id + "] is no longer on the page; use an id from the latest page text"};
  const doc = el.ownerDocument;
  const win = doc.defaultView;
  const frames = [];  // the iframe elements between el's document and the top, innermost first
  for (let w = win; w && w !== window && w.frameElement; w = w.parent) frames.push(w.frameElement);

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
  const inside = (node, target) => {  // node is target or inside it, across shadow roots
    for (let n = node; n; n = n.parentNode || n.host) if (n === target) return true;
    return false;
  };
  const deepHit = (d, x, y) => {
    let hit = d.elementFromPoint(x, y);
    while (hit && hit.shadowRoot) {
      const inner = hit.shadowRoot.elementFromPoint(x, y);
      if (!inner || inner === hit) break;
      hit = inner;
    }
    return hit;
  };
  // From el's document's viewport to the top viewport (through each iframe's content box).
  const toTop = (x, y) => {
    for (const f of frames) {
      const r = f.getBoundingClientRect();
      const s = f.ownerDocument.defaultView.getComputedStyle(f);
      x += r.left + f.clientLeft + parseFloat(s.paddingLeft || 0);
      y += r.top + f.clientTop + parseFloat(s.paddingTop || 0);
    }
    return [x, y];
  };
  // Whether a click at (x, y) of el's viewport reaches el: el (or a child) is hit there, and at each
  // level up, the iframe that holds it is what is hit.
  const reaches = (x, y) => {
    let hit = deepHit(doc, x, y);
    if (!inside(hit, el)) return hit;
    for (const f of frames) {
      const r = f.getBoundingClientRect();
      const s = f.ownerDocument.defaultView.getComputedStyle(f);
      x += r.left + f.clientLeft + parseFloat(s.paddingLeft || 0);
      y += r.top + f.clientTop + parseFloat(s.paddingTop || 0);
      hit = deepHit(f.ownerDocument, x, y);
      if (hit !== f) return hit;
    }
    return true;
  };
  const describe = (hit) => (hit ? hit.tagName.toLowerCase() + (hit.id ? "#" + hit.id : "") : "nothing");
  const inViewport = (x, y) => {
    const [tx, ty] = toTop(x, y);
    return tx >= 0 && ty >= 0 && tx < innerWidth && ty < innerHeight && x >= 0 && y >= 0 &&
           x < win.innerWidth && y < win.innerHeight;
  };
  // Candidate points of a box: its centre, then a grid over it, nearest to the centre first.
  const candidates = (q) => {
    const cx = q.left + q.width / 2, cy = q.top + q.height / 2;
    const out = [[cx, cy]];
    const fractions = [0.5, 0.3, 0.7, 0.15, 0.85, 0.05, 0.95];
    for (const fx of fractions) for (const fy of fractions) out.push([q.left + fx * q.width, q.top + fy * q.height]);
    out.sort((a, b) => Math.hypot(a[0] - cx, a[1] - cy) - Math.hypot(b[0] - cx, b[1] - cy));
    return out;
  };

  // Whether a :hover rule of the page can apply to the element or an ancestor (the rule's selectors,
  // gathered once per document, with ":hover" taken out): only then can moving the mouse onto the
  // element change what is under it, and a click waits for that to settle ("reached" below).
  const hoverMatters = () => {
    if (win.__envgymHoverSelectors === undefined) {
      const found = [];
      // Indexed loops, and a style rule's (nested) rules only when it has some: reading the CSSOM
      // makes an object per rule, and jQuery UI's sheet on every MiniWoB page has ~400 rules.
      const visit = (list) => {
        for (let i = 0, n = list.length; i < n; i++) {
          const rule = list[i];
          const sel = rule.selectorText;
          if (sel !== undefined && sel.includes(":hover")) {
            for (const part of sel.split(",")) if (part.includes(":hover")) found.push(part.replace(/:hover/g, ""));
          }
          const inner = rule.cssRules;
          if (inner && inner.length) visit(inner);
        }
      };
      for (const sheet of doc.styleSheets) {
        try { visit(sheet.cssRules); } catch (e) { found.push("*"); }  // another origin's sheet: assume it matters
      }
      win.__envgymHoverSelectors = found;
    }
    return win.__envgymHoverSelectors.some((sel) => {
      try { return el.closest(sel.trim() || "*") !== null; } catch (e) { return true; }
    });
  };

  async function point(needEnabled, hitTest) {
    if (!visible()) return {fallback: "it is not visible"};
    if (needEnabled && disabled()) return {fallback: "it is disabled"};
    const r0 = el.getBoundingClientRect();
    const [tx, ty] = toTop(r0.left, r0.top);
    if (r0.top < 0 || r0.left < 0 || r0.bottom > win.innerHeight || r0.right > win.innerWidth || ty < 0 || tx < 0 ||
        ty + r0.height > innerHeight || tx + r0.width > innerWidth) {
      el.scrollIntoView({block: "center", inline: "center", behavior: "instant"});
    }
    // Stable: the same box across an animation frame, as Playwright requires before a click.
    const before = el.getBoundingClientRect();
    if (!(await nextFrame())) return {fallback: "the page draws no frames"};
    const rects = Array.from(el.getClientRects()).filter((q) => q.width > 0 && q.height > 0);
    const after = el.getBoundingClientRect();
    if (!rects.length || before.x !== after.x || before.y !== after.y || before.width !== after.width ||
        before.height !== after.height) return {fallback: "it is moving"};
    // The centre when it is not covered, else the visible part nearest to it: an element partly
    // under another one (click-test-2's overlapping buttons) is still clicked on itself.
    let blocker = null;
    for (const q of rects) {
      for (const [x, y] of candidates(q)) {
        if (!inViewport(x, y)) continue;
        if (!hitTest) return {point: toTop(x, y)};
        const hit = reaches(x, y);
        if (hit === true) return {point: toTop(x, y), hover: hitTest && hoverMatters()};
        if (blocker === null) blocker = hit;
      }
    }
    if (blocker === null) return {fallback: "it is outside the viewport"};
    return {fallback: "another element (" + describe(blocker) + ") covers it"};
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
      const range = doc.createRange();
      range.selectNodeContents(el);
      const selection = win.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    } else {
      return {fallback: "it is not a text field"};
    }
    return doc.activeElement === el ? {done: true} : {fallback: "it did not take the focus"};
  }

  function choose() {
    if (el.tagName !== "SELECT") return {fallback: "it is not a drop-down (<select>)"};
    if (!visible()) return {fallback: "it is not visible"};
    if (disabled()) return {fallback: "it is disabled"};
    const wanted = Array.isArray(args.option) ? args.option : [args.option];
    if (wanted.length > 1 && !el.multiple) {
      return {error: "select failed: this drop-down takes one option; it is not a multiple-choice list box"};
    }
    const options = Array.from(el.options);
    const matches = [];
    for (const w of wanted) {
      const match = options.find((o) => o.label === w) || options.find((o) => o.value === w) ||
                    options.find((o) => o.label.trim().toLowerCase() === String(w).trim().toLowerCase());
      if (!match) {
        const labels = options.map((o) => o.label).join(" | ");
        return {error: "select failed: no option labelled or valued " + JSON.stringify(w) + " (options: " + labels.slice(0, 1000) + ")"};
      }
      if (match.disabled) return {error: "select failed: the option " + JSON.stringify(match.label) + " is disabled"};
      matches.push(match);
    }
    for (const o of options) o.selected = matches.includes(o);
    el.dispatchEvent(new Event("input", {bubbles: true, composed: true}));
    el.dispatchEvent(new Event("change", {bubbles: true}));
    return {done: true};
  }

  // Where a mouse drag that selects the element's text (or the first occurrence of args.text in it)
  // starts and ends: just inside the first and the last character's boxes.
  async function textRange() {
    if (!visible()) return {fallback: "it is not visible"};
    // A press inside an existing selection would drag that text instead of starting a new selection.
    win.getSelection().removeAllRanges();
    el.scrollIntoView({block: "center", inline: "nearest", behavior: "instant"});
    await nextFrame();
    const walker = doc.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    const nodes = [];
    let all = "";
    for (let n = walker.nextNode(); n; n = walker.nextNode()) { nodes.push([n, all.length]); all += n.data; }
    let start = 0, end = all.length;
    if (args.text) {
      start = all.indexOf(args.text);
      if (start < 0) return {error: "select_text failed: " + JSON.stringify(args.text.slice(0, 100)) + " is not in the text of element [" + args.id + "]"};
      end = start + args.text.length;
    } else {
      while (start < end && /\s/.test(all[start])) start++;
      while (end > start && /\s/.test(all[end - 1])) end--;
    }
    if (start >= end) return {error: "select_text failed: element [" + args.id + "] has no text"};
    const at = (offset) => {  // the text node and offset of a character position
      for (let i = nodes.length - 1; i >= 0; i--) if (nodes[i][1] <= offset) return [nodes[i][0], offset - nodes[i][1]];
      return [nodes[0][0], 0];
    };
    const box = (offset) => {
      const [node, off] = at(offset);
      const range = doc.createRange();
      range.setStart(node, off);
      range.setEnd(node, Math.min(off + 1, node.data.length));
      const rects = Array.from(range.getClientRects()).filter((q) => q.width > 0 && q.height > 0);
      return rects.length ? rects[0] : null;
    };
    const first = box(start), last = box(end - 1);
    if (!first || !last) return {fallback: "its text has no box on the screen"};
    return {points: [toTop(first.left + 0.5, first.top + first.height / 2), toTop(last.right - 0.5, last.top + last.height / 2)]};
  }

  if (args.op === "reached") {
    // After the mouse moved onto the point: hover styles may change the element (an image swapped on
    // :hover is empty while it loads), so wait, a frame at a time and at most ~1 s, until a press
    // there reaches the element again. {ok: false} means it never did; the caller clicks anyway.
    let x = args.x, y = args.y;
    for (const f of frames.slice().reverse()) {  // top viewport -> el's viewport
      const r = f.getBoundingClientRect();
      const st = f.ownerDocument.defaultView.getComputedStyle(f);
      x -= r.left + f.clientLeft + parseFloat(st.paddingLeft || 0);
      y -= r.top + f.clientTop + parseFloat(st.paddingTop || 0);
    }
    // Chromium hands mouse moves to the page aligned to animation frames: let this one arrive (and
    // the hover styles apply) before looking.
    // A hover style can also flicker (an image that is empty while it loads takes the hover away,
    // which brings the text back, which takes the hover again): wait until the point has reached the
    // element in two frames in a row.
    const t0 = Date.now();
    let steady = 0;
    await nextFrame();
    while (steady < 2) {
      steady = reaches(x, y) === true ? steady + 1 : 0;
      if (Date.now() - t0 > 1000) return {ok: false};
      await nextFrame();
    }
    return {ok: true};
  }
  if (args.op === "click") return await point(true, true);
  if (args.op === "hover") return await point(false, true);
  if (args.op === "point") return await point(false, false);  // drag ends: whatever is on top gets the events
  if (args.op === "type") return focusForTyping();
  if (args.op === "select") return choose();
  if (args.op === "select_text") return await textRange();
  if (args.op === "focus") {
    if (!visible()) return {fallback: "it is not visible"};
    el.focus();
    return {done: true};
  }
  if (args.op === "scroll") {
    if (args.pixels) el.scrollBy(args.dx * args.pixels, args.dy * args.pixels);
    else el.scrollBy(args.dx * el.clientWidth * 0.8, args.dy * el.clientHeight * 0.8);
    // Scroll events fire in the next rendering step: answer after it, so the page's scroll handlers
    // have run when the observation is taken (at most 100 ms: a background tab renders no frames).
    await new Promise((resolve) => {
      requestAnimationFrame(() => setTimeout(resolve, 0));
      setTimeout(resolve, 100);
    });
    return {done: true};
  }
  return {error: "unknown element operation"};
}
