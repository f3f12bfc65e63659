// Porchlight loader: the only script a host page pays for until the visitor
// shows intent. It draws the launcher inside an open shadow root (styles
// neither leak out nor in) and fetches the WASM widget on pointer-over,
// focus or click of the launcher — never on idle. An open conversation is
// intent too: a visitor who has one stored gets the widget at page load,
// mounted into the hidden panel, so replies are noticed (badge, preview).
// `cargo xtask build` minifies this and fills in the hashed file names.
(() => {
  const script = document.currentScript;
  const site = script && script.dataset.site;
  if (!site) return console.warn("Porchlight: add data-site=\"your-site-id\" to the script tag.");
  const base = new URL(".", script.src).href;
  const edge = new URL(script.src).origin;
  const host = document.createElement("div");
  host.setAttribute("data-porchlight", "");
  const root = host.attachShadow({ mode: "open" });
  // Constructed stylesheets, not a <style> element: host pages whose CSP
  // refuses inline styles must still get a styled launcher. (Older Safari
  // lacks them and gets the element, which such a CSP would refuse.)
  const css =
    ":host{all:initial}" +
    ".l{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:56px;height:56px;border-radius:50%;border:0;" +
    "background:#2f6f4e;color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);display:grid;place-items:center}" +
    ".l:focus-visible{outline:3px solid #fff;outline-offset:-6px}" +
    ".p{position:fixed;right:20px;bottom:88px;z-index:2147483000;width:min(380px,calc(100vw - 40px));" +
    "height:min(580px,calc(100vh - 120px));border-radius:14px;overflow:hidden;background:#fff;box-shadow:0 10px 40px rgba(0,0,0,.25)}" +
    ".p[hidden]{display:none}.e{padding:16px;font:14px system-ui,sans-serif;color:#b00020}";
  if (root.adoptedStyleSheets && window.CSSStyleSheet && CSSStyleSheet.prototype.replaceSync) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } else {
    const el = document.createElement("style");
    el.textContent = css;
    root.appendChild(el);
  }
  root.innerHTML +=
    '<div class="p" role="dialog" aria-label="Chat" hidden></div>' +
    '<button class="l" type="button" aria-label="Open chat" aria-expanded="false">' +
    '<svg width="26" height="26" viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>' +
    "</button>";
  const panel = root.querySelector(".p");
  const button = root.querySelector(".l");
  // The site's colour before any WASM: the tag's `data-color`, else the
  // small config (fetched now, never after the widget). The icon is white
  // or near-black, whichever reads on it (WCAG relative luminance).
  const paint = (c) => {
    if (!/^#[0-9a-f]{6}$/i.test(c || "")) return;
    const n = parseInt(c.slice(1), 16);
    const lin = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4));
    const lum = 0.2126 * lin(n >> 16) + 0.7152 * lin((n >> 8) & 255) + 0.0722 * lin(n & 255);
    button.style.background = c;
    button.style.color = lum > 0.179 ? "#111" : "#fff";
  };
  if (script.dataset.color) paint(script.dataset.color);
  else fetch(edge + "/api/v1/sites/" + encodeURIComponent(site) + "/widget").then((r) => r.json()).then((c) => paint(c.accent_color), () => {});
  let app, mounted = false;
  // One fetch of glue + WASM, started by the first sign of intent.
  const load = () =>
    app || (app = import(base + "__WIDGET_JS__").then((m) => m.default({ module_or_path: base + "__WIDGET_WASM__" }).then(() => m)));
  // The widget mounts once per page, into the panel (open or still hidden).
  const mount = () => {
    if (mounted) return;
    mounted = true;
    load().then(
      (m) => m.mount(panel, site, edge),
      () => {
        mounted = false;
        app = null;
        if (!panel.hidden) panel.innerHTML = '<p class="e">Chat could not load. Check your connection and try again.</p>';
      },
    );
  };
  button.addEventListener("pointerenter", load, { once: true });
  button.addEventListener("focus", load, { once: true });
  // Opening moves focus into the panel (its first field, once the widget
  // has drawn it); Escape closes it and gives focus back to the launcher.
  const focusIn = (tries) => {
    if (panel.hidden) return;
    const el = panel.querySelector("input:not([disabled]),textarea:not([disabled])") ||
      panel.querySelector("button:not([disabled]),a[href]");
    if (el) el.focus();
    else if (tries > 0) setTimeout(() => focusIn(tries - 1), 50);
  };
  const setOpen = (open) => {
    panel.hidden = !open;
    button.setAttribute("aria-label", open ? "Close chat" : "Open chat");
    button.setAttribute("aria-expanded", String(open));
    // The widget listens: opening clears its badge and marks messages seen.
    panel.dispatchEvent(new Event("porchlight:toggle"));
    if (open) {
      mount();
      focusIn(200);
    }
  };
  button.addEventListener("click", () => setOpen(panel.hidden));
  // On the shadow root, after the widget's own handlers: a menu that
  // closes on Escape marks the event handled and keeps the panel open.
  root.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !panel.hidden && !e.defaultPrevented) {
      setOpen(false);
      button.focus();
    }
  });
  // The page's API: `Porchlight.setContext({ orderRef, attributes })` (or
  // `window.Porchlight = { context: {...} }` before this script loads) for
  // agents, and `Porchlight('sound', true)` for a short sound on replies.
  // Calls queued before the loader (`Porchlight.q`) are replayed.
  const pre = window.Porchlight || {};
  const ctx = pre.context || {};
  const api = (cmd, value) => {
    if (cmd === "sound") api.sound = value !== false;
    if (cmd === "context") api.setContext(value);
  };
  api.context = ctx;
  api.sound = pre.sound === true;
  // The signed-in user's identity token (HS256 JWT from the site's
  // backend); the widget reads it from here (host::identity).
  if (typeof pre.identity === "string") api.identity = pre.identity;
  api.setContext = (c) => {
    Object.assign(ctx, c);
    dispatchEvent(new Event("porchlight:context"));
  };
  window.Porchlight = api;
  (pre.q || []).forEach((a) => api(...a));
  (document.body || document.documentElement).appendChild(host);
  // The widget keeps the current conversation under this key, with
  // `closed: true` once it has ended (then only a click loads the widget).
  let stored;
  try {
    stored = JSON.parse(localStorage.getItem("porchlight:v1:" + site));
  } catch (e) {}
  if (stored && stored.session_id && !stored.closed) mount();
})();
