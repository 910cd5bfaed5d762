// Waits in the page until a text appears on it (or disappears), or until an element matching a CSS
// selector is visible (or gone), for at most args.timeout ms. Ends on the change itself: a
// MutationObserver re-tests once per animation frame after each batch of DOM changes; a slow timer
// catches what changes no DOM (CSS animations and transitions). The text and the selector are agent
// text used only as values (String.includes, querySelector), never as code. Answers true (the
// condition holds), false (timeout) or {error: "..."} (an invalid selector).
async (args) => {
  const norm = (s) => (s || "").replace(/\s+/g, " ").trim().toLowerCase();
  const want = args.text === null || args.text === undefined ? null : norm(args.text);
  const shown = (el) => {
    if (!el) return false;
    if (el.checkVisibility && !el.checkVisibility({visibilityProperty: true, opacityProperty: true})) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const test = () => {
    let present;
    if (want !== null) present = norm(document.body ? document.body.innerText : "").includes(want);
    else present = Array.from(document.querySelectorAll(args.selector)).some(shown);
    return args.gone ? !present : present;
  };
  try {
    if (test()) return true;
  } catch (e) {
    return {error: "invalid CSS selector " + JSON.stringify(String(args.selector).slice(0, 100))};
  }
  return await new Promise((resolve) => {
    let finished = false, scheduled = false;
    const finish = (value) => {
      if (finished) return;
      finished = true;
      observer.disconnect();
      clearInterval(slow);
      clearTimeout(limit);
      resolve(value);
    };
    const check = () => { scheduled = false; if (!finished && test()) finish(true); };
    const observer = new MutationObserver(() => {
      if (scheduled) return;
      scheduled = true;
      requestAnimationFrame(check);
      setTimeout(check, 50);  // no frames in a background tab
    });
    observer.observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
    const slow = setInterval(check, 100);
    const limit = setTimeout(() => finish(false), args.timeout);
  });
}
