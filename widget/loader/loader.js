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
  // Placement comes from the site's config (side, offsets) through CSS
  // variables on the host, so the widget's preview bubble follows too.
  root.innerHTML =
    "<style>" +
    ":host{all:initial;color-scheme:light dark}" +
    ".l{position:fixed;right:var(--x,20px);bottom:var(--y,20px);z-index:2147483000;min-width:56px;height:56px;padding:0 15px;box-sizing:border-box;" +
    "border-radius:28px;border:0;background:#2f6f4e;color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);" +
    "display:flex;align-items:center;justify-content:center;font:600 15px system-ui,sans-serif}" +
    ".l[hidden]{display:none}.t:not(:empty){margin-left:8px}" +
    ".l:focus-visible{outline:3px solid #fff;outline-offset:-6px}" +
    ".p{position:fixed;right:var(--x,20px);bottom:calc(var(--y,20px) + 68px);z-index:2147483000;width:min(380px,calc(100vw - 40px));" +
    "height:min(580px,calc(100vh - 120px));border-radius:14px;overflow:hidden;background:Canvas;box-shadow:0 10px 40px rgba(0,0,0,.25)}" +
    ":host([data-side=left]) :is(.l,.p){right:auto;left:var(--x,20px)}" +
    ".p[hidden]{display:none}.e{padding:16px;font:14px system-ui,sans-serif;color:#b00020}" +
    "</style>" +
    '<div class="p" role="dialog" aria-label="Chat" hidden></div>' +
    '<button class="l" type="button" aria-label="Open chat" aria-expanded="false">' +
    '<svg width="26" height="26" viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>' +
    '<span class="t"></span></button>';
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
  // The side, offsets, label and colour scheme: the site's config.
  const place = (c) => {
    const l = c.launcher || {};
    if (l.position === "left") host.dataset.side = "left";
    // Canvas (the panel's colour until the widget draws) follows it.
    if (c.color_scheme) host.style.colorScheme = c.color_scheme;
    for (const [v, px] of [["--x", l.offset_x], ["--y", l.offset_y]]) if (px >= 0) host.style.setProperty(v, px + "px");
    root.querySelector(".t").textContent = l.label || "";
  };
  if (script.dataset.color) paint(script.dataset.color);
  fetch(edge + "/api/v1/sites/" + encodeURIComponent(site) + "/widget").then((r) => r.json()).then((c) => {
    if (!script.dataset.color) paint(c.accent_color);
    place(c);
  }, () => {});
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
    if (open === !panel.hidden) return;
    panel.hidden = !open;
    button.setAttribute("aria-label", open ? "Close chat" : "Open chat");
    button.setAttribute("aria-expanded", String(open));
    // The widget listens: opening clears its badge and marks messages seen.
    panel.dispatchEvent(new Event("porchlight:toggle"));
    if (open) {
      mount();
      focusIn(200);
    }
    emit(open ? "open" : "close");
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
  // The page's API, one global: `Porchlight(command, ...args)` (README lists
  // every command). The loader keeps only what it must: the launcher, the
  // panel, page values the widget reads (context, identity, locale, sound)
  // and event listeners; commands about the conversation wait for the
  // widget (loading it) and go to it as `porchlight:command` events. Calls
  // made before this script ran were queued by the README's stub
  // (`Porchlight.q`); the older object form (`{ context, sound }`) still works.
  const pre = window.Porchlight || {};
  const key = "porchlight:v1:" + site;
  const ctx = pre.context || {};
  const subs = {};
  let ready = false, unread = 0;
  const waiting = [];
  // Each listener in its own task: one that throws does not stop the others.
  const emit = (name, data) => (subs[name] || []).forEach((f) => setTimeout(f, 0, data));
  const toWidget = (cmd, arg) => {
    if (ready) panel.dispatchEvent(new CustomEvent("porchlight:command", { detail: { cmd, arg } }));
    else {
      waiting.push([cmd, arg]);
      mount();
    }
  };
  // What the widget tells the page: ready (then it takes commands), unread, message.
  panel.addEventListener("porchlight:emit", (e) => {
    const { name, data } = e.detail || {};
    if (name === "ready") {
      ready = true;
      waiting.splice(0).forEach((c) => toWidget(...c));
    }
    if (name === "unread") unread = data;
    emit(name, data);
  });
  // `attributes` merge key by key (null removes one); other fields replace.
  const setContext = (c) => {
    if (!c) return;
    const attrs = Object.assign(ctx.attributes || {}, c.attributes);
    Object.assign(ctx, c, { attributes: attrs });
    for (const k in attrs) if (attrs[k] == null) delete attrs[k];
    dispatchEvent(new Event("porchlight:context"));
  };
  const forget = () => {
    // A shared computer's logout: this browser forgets the site's conversations.
    for (const k of Object.keys(localStorage)) if ((k + ":").startsWith(key + ":")) localStorage.removeItem(k);
    unread = 0;
    if (mounted) toWidget("reset");
    else emit("unread", 0);
  };
  const commands = {
    open: () => setOpen(true),
    close: () => setOpen(false),
    toggle: () => setOpen(panel.hidden),
    show: () => (button.hidden = false),
    hide: () => (button.hidden = true),
    setContext,
    context: setContext,
    identify: (a) => (api.identity = a && a.token),
    locale: (a) => (api.locale = a),
    sound: (a) => (api.sound = a !== false),
    showArticle: (a) => (setOpen(true), toWidget("showArticle", String(a))),
    prefill: (a) => toWidget("prefill", String(a)),
    reset: forget,
    on: (name, f) => {
      (subs[name] = subs[name] || []).push(f);
      // Late listeners still hear the current state.
      if (name === "ready" && ready) f();
      if (name === "unread") f(unread);
    },
    off: (name, f) => (subs[name] = (subs[name] || []).filter((g) => g !== f)),
  };
  const api = (cmd, a, b) => commands[cmd] && commands[cmd](a, b);
  Object.assign(api, { context: ctx, sound: pre.sound === true, identity: pre.identity, locale: pre.locale, setContext });
  window.Porchlight = api;
  (pre.q || []).forEach((a) => api(...a));
  (document.body || document.documentElement).appendChild(host);
  // The widget keeps the current conversation under this key, with
  // `closed: true` once it has ended (then only a click loads the widget).
  let stored;
  try {
    stored = JSON.parse(localStorage.getItem(key));
  } catch (e) {}
  if (stored && stored.session_id && !stored.closed) mount();
})();
