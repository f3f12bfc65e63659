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
  // The launcher's and the stand-in's words in every language the widget
  // speaks: generated from porchlight_protocol::i18n by `cargo xtask build`.
  const T = __LOADER_STRINGS__;
  // The visitor's language, as the widget picks it: the page's
  // `Porchlight('locale', …)` or the tag's `data-locale`, else the first of
  // the browser's languages the widget speaks, else English.
  const tr = () => {
    const tags = [window.Porchlight && window.Porchlight.locale, script.dataset.locale].concat(navigator.languages || [navigator.language]);
    for (const t of tags) {
      const code = String(t || "").split(/[-_]/)[0].toLowerCase();
      if (T[code]) return Object.assign({ code }, T[code]);
    }
    return Object.assign({ code: "en" }, T.en);
  };
  const edge = new URL(script.src).origin;
  const host = document.createElement("div");
  host.setAttribute("data-porchlight", "");
  const root = host.attachShadow({ mode: "open" });
  // Constructed stylesheets, not a <style> element: host pages whose CSP
  // refuses inline styles must still get a styled launcher. (Older Safari
  // lacks them and gets the element, which such a CSP would refuse.)
  // Placement comes from the site's config (side, offsets) through CSS
  // variables on the host, so the widget's preview bubble follows too.
  const css =
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
    // Until the widget draws: the site's name on its accent, and a loading line.
    ".k{display:flex;flex-direction:column;height:100%;font:14px/1.45 system-ui,-apple-system,sans-serif;color:#1d1d1f}" +
    ".kh{display:flex;align-items:center;gap:8px;padding:14px 16px;background:var(--a,#2f6f4e);color:var(--o,#fff);min-height:52px;box-sizing:border-box}" +
    ".kt{flex:1;margin:0;font-weight:650;font-size:15px}.kx{display:none;font:inherit;font-size:22px;line-height:1;min-width:44px;min-height:44px;" +
    "background:none;border:0;color:inherit;cursor:pointer}.kb{padding:16px;color:#444;display:flex;align-items:center;gap:10px}" +
    ".ks{width:16px;height:16px;border-radius:50%;border:3px solid var(--a,#2f6f4e);border-right-color:transparent;animation:r 1s linear infinite}" +
    "@keyframes r{to{transform:rotate(1turn)}}@media (prefers-reduced-motion:reduce){.ks{animation:none}}" +
    ".kf{display:flex;flex-direction:column;gap:10px;padding:16px}.kf p{margin:0}.kq{color:#444}.kl{display:flex;flex-direction:column;gap:4px;font-weight:550;font-size:13px}" +
    ".kl em{font-weight:400;color:#595959;font-style:normal}.kf input{font:inherit;font-size:16px;border:1px solid #c9c9cf;border-radius:8px;padding:8px 10px}" +
    ".kf input:focus{outline:2px solid var(--a,#2f6f4e);border-color:transparent}.kf .kb{padding:0;font-size:13px}" +
    ".kp{font:inherit;font-weight:600;background:var(--a,#2f6f4e);color:var(--o,#fff);border:0;border-radius:8px;padding:8px 14px;cursor:pointer}.kp:disabled{opacity:.5}" +
    // Phones: a full-screen sheet inside the safe area; the launcher steps aside.
    // (Both selectors: the left launcher's rule above outranks a bare `.p`.)
    "@media (max-width:640px){.p,:host([data-side=left]) .p{inset:0;width:auto;height:100vh;height:100dvh;border-radius:0;box-sizing:border-box;" +
    "padding:env(safe-area-inset-top) env(safe-area-inset-right) env(safe-area-inset-bottom) env(safe-area-inset-left)}" +
    ".p:not([hidden])~.l{display:none}.kx{display:block}}";
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
    '<div class="p" role="dialog" hidden></div>' +
    '<button class="l" type="button" aria-expanded="false">' +
    '<svg width="26" height="26" viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>' +
    '<span class="t"></span></button>';
  const panel = root.querySelector(".p");
  // The launcher's name starts with its visible label, if the site gave
  // one (WCAG 2.5.3: what you see is what you say to a voice control).
  const spoken = (what) => {
    const v = root.querySelector(".t").textContent;
    return v ? v + " (" + what + ")" : what;
  };
  // The dialog's name, language and direction (Arabic mirrors the panel).
  const label = () => {
    const w = tr();
    panel.setAttribute("aria-label", w.chat);
    panel.lang = w.code;
    panel.dir = w.dir;
  };
  // The widget keeps the current conversation under this key, with
  // `closed: true` once it has ended (then only a click loads the widget).
  // Read when needed, not at once: a site with `consent_required` has the
  // loader touch no storage before the visitor opens the chat.
  const stored = () => {
    try {
      return JSON.parse(localStorage.getItem("porchlight:v1:" + site));
    } catch (e) {}
  };
  // No conversation yet: the panel opens on the pre-chat form.
  const isFresh = () => !(stored() || {}).session_id;
  const button = root.querySelector(".l");
  // The site's colour before any WASM: the tag's `data-color`, else the
  // small config (fetched now, never after the widget). Text on it is
  // white or near-black by WCAG relative luminance (the same rule as
  // porchlight_protocol::colors::text_on, which the widget uses).
  const brand = { accent: "#2f6f4e", on: "#fff", name: "" };
  const paint = (c) => {
    if (!/^#[0-9a-f]{6}$/i.test(c || "")) return;
    const n = parseInt(c.slice(1), 16);
    const lin = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4));
    const lum = 0.2126 * lin(n >> 16) + 0.7152 * lin((n >> 8) & 255) + 0.0722 * lin(n & 255);
    brand.accent = early.accent = c;
    brand.on = lum > 0.1916 ? "#111111" : "#ffffff";
    button.style.background = c;
    button.style.color = brand.on;
    drawLoading();
  };
  // What the loader fetched early, handed to the widget so nothing is
  // fetched twice: `config` (a promise of the JSON text; `ready`, the text
  // itself once here), `index` (the help center's, or null), both started
  // on intent beside the WASM, not after it.
  const early = {};
  const api1 = edge + "/api/v1/sites/" + encodeURIComponent(site);
  const config = () =>
    early.config ||
    (early.config = fetch(api1 + "/widget")
      .then((r) => (r.ok ? r.text() : Promise.reject(new Error("config " + r.status))))
      .then((t) => (early.ready = t)));
  const fetchConfig = () =>
    config().then((t) => {
      const c = JSON.parse(t);
      brand.name = String(c.name || "");
      if (!script.dataset.color) paint(c.accent_color);
      else drawLoading();
      return c;
    });
  const prefetch = () => {
    if (early.index) return;
    const cfg = fetchConfig();
    early.index = cfg
      .then((c) => (c.kb_version ? fetch(api1 + "/kb/index?v=" + encodeURIComponent(c.kb_version)).then((r) => (r.ok ? r.text() : null)) : null))
      .catch(() => null);
  };
  let app, mounted = false, drawn = false;
  // The open panel, before the widget has drawn: the site's name on its
  // accent and a loading line; never a blank box. Text only (no HTML).
  // A new visitor gets the pre-chat form at once: they can type while the
  // WASM downloads, and the widget carries on with what they typed
  // (`early.prefill`), even a "Start chat" already pressed.
  const drawLoading = () => {
    if (drawn || panel.hidden) return;
    let k = panel.querySelector(".k");
    if (!k) {
      // The words are set as text below, never as HTML.
      const status = '<p class="kb" role="status"><span class="ks" aria-hidden="true"></span><span class="kg"></span></p>';
      panel.innerHTML =
        '<div class="k" data-early><div class="kh"><h2 class="kt"></h2><button class="kx" type="button">\u00d7</button></div>' +
        (isFresh()
          ? '<form class="kf" novalidate><p class="kq"></p>' +
            '<label class="kl"><span class="kn"></span><input name="name" autocomplete="name" maxlength="80"></label>' +
            '<label class="kl"><span><span class="ke"></span><em></em></span><input name="email" type="email" autocomplete="email" maxlength="254"></label>' +
            '<button class="kp" type="submit"></button>' + status + "</form>"
          : '<div class="kb" role="status"><span class="ks" aria-hidden="true"></span><span class="kg"></span></div>') +
        "</div>";
      k = panel.querySelector(".k");
      const w = tr();
      const text = (sel, t) => k.querySelector(sel) && (k.querySelector(sel).textContent = t);
      [[".kg", w.loading_chat], [".kq", w.prechat_intro], [".kn", w.name], [".ke", w.email], ["em", w.optional], [".kp", w.start_chat]].forEach((a) => text(...a));
      k.querySelector(".kx").setAttribute("aria-label", w.close_chat);
      for (const [n, l] of [["name", w.name], ["email", w.email]]) k.querySelector("input[name=" + n + "]") && k.querySelector("input[name=" + n + "]").setAttribute("aria-label", l);
      k.querySelector(".kx").addEventListener("click", () => close());
      const form = k.querySelector("form");
      if (form)
        form.addEventListener("submit", (e) => {
          e.preventDefault();
          early.submit = true;
          form.querySelector(".kp").disabled = true;
        });
    }
    k.style.setProperty("--a", brand.accent);
    k.style.setProperty("--o", brand.on);
    k.querySelector(".kt").textContent = brand.name;
  };
  // The side, offsets, label and colour scheme: the site's config.
  const place = (c) => {
    const l = c.launcher || {};
    if (l.position === "left") host.dataset.side = "left";
    // Canvas (the panel's colour until the widget draws) follows it.
    if (c.color_scheme) host.style.colorScheme = c.color_scheme;
    for (const [v, px] of [["--x", l.offset_x], ["--y", l.offset_y]]) if (px >= 0) host.style.setProperty(v, px + "px");
    root.querySelector(".t").textContent = l.label || "";
    button.setAttribute("aria-label", spoken(panel.hidden ? tr().open_chat : tr().close_chat));
    // A built-in icon (never a URL: the launcher must draw under a strict CSP).
    const icons = {
      help: "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm1 16h-2v-2h2v2zm2.1-7.7-.9.9c-.7.7-1.2 1.3-1.2 2.8h-2v-.5c0-1.1.4-2.1 1.2-2.8l1.2-1.3A2 2 0 1 0 10 8H8a4 4 0 1 1 8 0c0 .9-.4 1.7-.9 2.3z",
      message: "M20 4H4a2 2 0 0 0-2 2v12a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V6a2 2 0 0 0-2-2zm0 4-8 5-8-5V6l8 5 8-5v2z",
    };
    if (icons[l.icon]) root.querySelector(".l path").setAttribute("d", icons[l.icon]);
    button.dataset.icon = l.icon || "chat";
  };
  // One fetch of glue + WASM, started by the first sign of intent.
  const load = () =>
    app || (app = import(base + "__WIDGET_JS__").then((m) => m.default({ module_or_path: base + "__WIDGET_WASM__" }).then(() => m)));
  const intent = () => {
    prefetch();
    load();
  };
  // The widget mounts once per page, into the panel (open or still hidden).
  const mount = () => {
    if (mounted) return;
    mounted = true;
    load().then(
      (m) => {
        drawn = true;
        const form = panel.querySelector(".k form");
        if (form) {
          const a = root.activeElement;
          early.prefill = {
            name: form.elements.name.value,
            email: form.elements.email.value,
            focus: a && form.contains(a) && a.name ? a.name : "",
            submit: !!early.submit,
          };
        }
        m.mount(panel, site, edge, early);
      },
      () => {
        mounted = false;
        app = null;
        if (!panel.hidden) {
          panel.innerHTML = '<p class="e" role="alert"></p>';
          panel.firstChild.textContent = tr().load_failed;
        }
      },
    );
  };
  // At page load: the colour (the tag's, else the config's) and placement.
  if (script.dataset.color) paint(script.dataset.color);
  fetchConfig().then(place, () => {});
  button.addEventListener("pointerenter", intent, { once: true });
  button.addEventListener("focus", intent, { once: true });
  // Opening moves focus into the panel (its first field, once the widget
  // has drawn it); Escape closes it and gives focus back to the launcher.
  const focusIn = (tries) => {
    if (panel.hidden) return;
    // The loading state's Close button does not count: the widget's first
    // field (or, with no field, its first control) is where focus goes.
    const all = focusable();
    const el = all.find((e) => e.matches("input,textarea")) || (drawn && all.find((e) => !e.matches(".kx,.pl-close")));
    if (el) el.focus();
    else if (tries > 0) setTimeout(() => focusIn(tries - 1), 50);
  };
  // Phones get a modal full-screen sheet: the page behind does not scroll,
  // focus stays inside (Tab wraps), and the sheet follows the visual
  // viewport so the composer stays above the on-screen keyboard. Desktop
  // stays non-modal: the page is still there to use.
  const phone = matchMedia("(max-width: 640px)");
  const vv = window.visualViewport;
  const sheet = () => phone.matches && !panel.hidden;
  let overflow = null;
  const fit = () => {
    const on = sheet();
    panel.setAttribute("aria-modal", String(on));
    if (on && overflow === null) {
      overflow = document.documentElement.style.overflow;
      document.documentElement.style.overflow = "hidden";
    } else if (!on && overflow !== null) {
      document.documentElement.style.overflow = overflow;
      overflow = null;
    }
    panel.style.top = on && vv ? vv.offsetTop + "px" : "";
    panel.style.height = on && vv ? vv.height + "px" : "";
    // The launcher sits in the corner of what the visitor sees (zoomed in,
    // or with the keyboard up), never off screen.
    const dx = vv ? Math.max(0, innerWidth - vv.width - vv.offsetLeft) : 0;
    const dy = vv ? Math.max(0, innerHeight - vv.height - vv.offsetTop) : 0;
    button.style.right = dx ? 20 + dx + "px" : "";
    button.style.bottom = dy ? 20 + dy + "px" : "";
  };
  if (vv) {
    vv.addEventListener("resize", fit);
    vv.addEventListener("scroll", fit);
  }
  phone.addEventListener && phone.addEventListener("change", fit);
  const setOpen = (open) => {
    if (open === !panel.hidden) return;
    panel.hidden = !open;
    label();
    button.setAttribute("aria-label", spoken(open ? tr().close_chat : tr().open_chat));
    button.setAttribute("aria-expanded", String(open));
    fit();
    // The widget listens: opening clears its badge and marks messages seen.
    panel.dispatchEvent(new Event("porchlight:toggle"));
    if (open) {
      intent();
      drawLoading();
      mount();
      focusIn(600);
    }
    emit(open ? "open" : "close");
  };
  const close = () => {
    setOpen(false);
    button.focus();
  };
  button.addEventListener("click", () => setOpen(panel.hidden));
  // The widget's own Close button (in its header) asks for this.
  panel.addEventListener("porchlight:close", close);
  const focusable = () =>
    [...panel.querySelectorAll("button,input,textarea,select,a[href],[tabindex]:not([tabindex='-1'])")].filter(
      (el) => !el.disabled && el.getClientRects().length > 0,
    );
  // On the shadow root, after the widget's own handlers: a menu that
  // closes on Escape marks the event handled and keeps the panel open.
  root.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !panel.hidden && !e.defaultPrevented) close();
    if (e.key === "Tab" && sheet()) {
      const all = focusable();
      if (!all.length) return;
      const at = all.indexOf(root.activeElement);
      const next = e.shiftKey ? (at <= 0 ? all.length - 1 : -1) : at === all.length - 1 || at < 0 ? 0 : -1;
      if (next >= 0) {
        e.preventDefault();
        all[next].focus();
      }
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
    if (typeof c != "object" || !c) return console.warn("Porchlight: setContext takes an object");
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
  const EVENTS = ["ready", "open", "close", "message", "unread"];
  const commands = {
    open: () => setOpen(true),
    close: () => setOpen(false),
    toggle: () => setOpen(panel.hidden),
    show: () => (button.hidden = false),
    hide: () => (button.hidden = true),
    setContext,
    context: setContext,
    identify: (a) => ((api.identity = a && a.token), adopt()),
    locale: (a) => (api.locale = a),
    sound: (a) => (api.sound = a !== false),
    showArticle: (a) => (setOpen(true), toWidget("showArticle", String(a))),
    prefill: (a) => toWidget("prefill", String(a)),
    reset: forget,
    on: (name, f) => {
      // A misspelt event would otherwise never fire, silently.
      if (!EVENTS.includes(name) || typeof f != "function") return console.warn(`Porchlight: on takes an event (${EVENTS}) and a function`);
      (subs[name] = subs[name] || []).push(f);
      // Late listeners still hear the current state.
      if (name === "ready" && ready) f();
      if (name === "unread") f(unread);
    },
    off: (name, f) => (subs[name] = (subs[name] || []).filter((g) => g !== f)),
  };
  const adopt = () => {
    if (mounted || !api.identity || document.hidden) return;
    const body = JSON.stringify({ identity: api.identity });
    fetch(api1 + "/identity/conversations", { method: "POST", headers: { "content-type": "application/json" }, body })
      .then((r) => (r.ok ? r.json() : null))
      .then((d) => {
        const c = d && (d.conversations || []).find((c) => c.status !== "CLOSED");
        if (!c || mounted) return;
        localStorage.setItem(key, JSON.stringify({ session_id: c.session_id, token: c.token, closed: false }));
        mount();
      })
      .catch(() => {});
  };
  // A typo is named, with the calls there are (not silently ignored).
  const api = (cmd, a, b) =>
    Object.hasOwn(commands, cmd) ? commands[cmd](a, b) : console.warn(`Porchlight: unknown call ${JSON.stringify(cmd)}; calls: ${Object.keys(commands)}`);
  Object.assign(api, { context: ctx, sound: pre.sound === true, identity: pre.identity, locale: pre.locale || script.dataset.locale, setContext });
  window.Porchlight = api;
  (pre.q || []).forEach((a) => api(...a));
  label();
  button.setAttribute("aria-label", spoken(tr().open_chat));
  (document.body || document.documentElement).appendChild(host);
  // An open conversation is loaded at page load (replies must be noticed),
  // unless the site asks for consent first: then only the visitor's click.
  fetchConfig().then(
    (c) => {
      if (c.consent_required) return;
      const s = stored();
      if (s && s.session_id && !s.closed) mount();
      // A conversation the staff started (about an order, say) reaches a
      // signed-in customer: with none open in this browser, their newest open
      // one becomes current and the widget loads for it (badge, preview).
      // Asked again every 20 s while the page is visible, so one started while
      // they browse arrives within that.
      setInterval(adopt, 20000);
      adopt();
    },
    () => {},
  );
})();
