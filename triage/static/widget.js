/*! triage feedback widget. Embed: <script src="https://HOST/widget.js" data-key="pk_..." async></script>
 * API: triage('open'), triage('close'), triage('identify', user, signature), triage('meta', {...}),
 * triage('survey') (asks for a survey to show; done after load unless data-surveys="off").
 * Calls made before it loads wait in a queue, and so do the page's errors until then (the stub):
 *   window.triage = window.triage || function () { (triage.q = triage.q || []).push(arguments); };
 *   addEventListener('error', function (e) { window.__triageWidget || triage('error', e); });
 *   addEventListener('unhandledrejection', function (e) { window.__triageWidget || triage('error', e); });
 */
(function (w, d) {
  "use strict";
  var script = d.currentScript || d.querySelector("script[data-key][src*='widget.js']");
  if (!script || w.__triageWidget) return;
  w.__triageWidget = 1;
  var KEY = script.getAttribute("data-key") || "";
  var BASE = new URL(script.src, location.href).origin;
  var API = BASE + "/api/v1/";
  var STORE = "triage.pending." + KEY, SEEN = "triage.surveys." + KEY, VISITOR = "triage.visitor";
  var MAX_ERRORS = 10, MAX_FILE = 5 * 1024 * 1024;
  var TYPES = ["image/png", "image/jpeg", "image/webp"];
  var errors = [], meta = {}, user = null, signature = null, appVersion = script.getAttribute("data-app-version");
  var form = null, token = null, opener = null, survey = null, score = null;

  function remember(entry, e) {
    var origin = w.performance && performance.timeOrigin;  // when it happened, even if queued
    entry.time = new Date(origin && e.timeStamp ? origin + e.timeStamp : Date.now()).toISOString();
    errors.push(entry);
    if (errors.length > MAX_ERRORS) errors.shift();
  }
  function captured(e) {  // an error or unhandledrejection event, seen here or queued by the stub
    var r = e.reason;
    if (e.type === "unhandledrejection") {
      remember({kind: "unhandledrejection", message: String(r && r.message || r), stack: r && r.stack || ""}, e);
    } else {
      remember({kind: "error", message: String(e.message || "error"), source: e.filename || "",
        line: e.lineno || null, column: e.colno || null, stack: e.error && e.error.stack || ""}, e);
    }
  }
  w.addEventListener("error", captured);
  w.addEventListener("unhandledrejection", captured);

  // JSON.stringify without the host page's prototypes: older Prototype.js defines
  // Array.prototype.toJSON (and String's), which would send our arrays as strings.
  var PROTOS = [Array, String, Number, Boolean, Object];
  function toJSON(value) {
    var saved = [], i, own;
    for (i = 0; i < PROTOS.length; i++) {
      own = Object.getOwnPropertyDescriptor(PROTOS[i].prototype, "toJSON");
      if (own && own.configurable && delete PROTOS[i].prototype.toJSON) saved.push([PROTOS[i].prototype, own]);
    }
    try { return JSON.stringify(value); } finally {
      for (i = 0; i < saved.length; i++) Object.defineProperty(saved[i][0], "toJSON", saved[i][1]);
    }
  }
  function save(name, value) {
    try {
      if (value) localStorage.setItem(name, toJSON(value)); else localStorage.removeItem(name);
    } catch (e) { /* storage off: no retry after a reload, a new visitor id per page; nothing lost */ }
  }
  function load(name) {
    try { return JSON.parse(localStorage.getItem(name) || "null"); } catch (e) { return null; }
  }
  function store(value) { save(STORE, value); }
  function newKey() {
    var bytes = new Uint8Array(16), hex = "";
    (w.crypto || w.msCrypto).getRandomValues(bytes);
    for (var i = 0; i < bytes.length; i++) hex += (bytes[i] + 256).toString(16).slice(1);
    return "w-" + hex;
  }
  function call(path, options) {
    options.mode = "cors";
    options.credentials = "omit";
    return fetch(API + path, options).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (r.ok) return body;
        var err = new Error(body.error && body.error.message || "HTTP " + r.status);
        err.status = r.status;
        throw err;
      });
    });
  }
  // A fresh form token, then the wait the server asks before a form counts as human.
  function fetchToken() {
    return call("form-token?key=" + encodeURIComponent(KEY), {method: "GET"}).then(function (t) {
      token = {value: t.token, at: Date.now(), minFill: t.min_fill_seconds * 1000, ttl: t.expires_in * 1000};
      return token;
    });
  }
  function readyToken() {
    var fresh = token && Date.now() - token.at < token.ttl - 60000 ? Promise.resolve(token) : fetchToken();
    return fresh.then(function (t) {
      var wait = t.minFill - (Date.now() - t.at);
      return new Promise(function (ok) { setTimeout(function () { ok(t.value); }, Math.max(0, wait) + 50); });
    });
  }
  // Only a failure that may pass (no answer, the server down or busy) keeps the message for
  // later; a refusal (bad key, origin not allowed, invalid) would be refused again for ever.
  function kept(err) { return !err.status || err.status >= 500 || err.status === 429; }
  function refusal(err) { return "Not sent: " + err.message; }
  // Send a pending submission under its idempotency key until the server acknowledges it.
  function deliver(pending, attempt) {
    return readyToken().then(function (value) {
      pending.payload.form_token = value;
      return call("feedback", {method: "POST", body: toJSON(pending.payload),
        headers: {"Content-Type": "application/json", "Idempotency-Key": pending.key}});
    }).then(function (receipt) {
      store(null);
      return receipt;
    }, function (err) {
      var retry = kept(err);
      if (!retry || attempt >= 2) {
        if (!retry) store(null);
        throw err;
      }
      return new Promise(function (ok) { setTimeout(ok, 1000 * Math.pow(2, attempt)); })
        .then(function () { return deliver(pending, attempt + 1); });
    });
  }
  function visitor() {
    var id = load(VISITOR);
    if (typeof id !== "string") save(VISITOR, id = newKey());
    return id;
  }
  function upload(receipt, file) {
    var data = new FormData();
    data.append("token", receipt.upload_token);
    data.append("file", file);
    return fetch(receipt.upload_url, {method: "POST", mode: "cors", credentials: "omit", body: data})
      .then(function (r) { return r.ok; }, function () { return false; });
  }

  // The project's brand arrives as custom properties set on the launcher and panels (wear());
  // the host page's own --tw-* values stop at our element, so they never recolour the widget.
  var CSS = ":host{all:initial!important;display:block!important;--tw-brand:initial!important;" +
    "--tw-brand-text:initial!important;--tw-brand-ink:initial!important}" +
    "*{box-sizing:border-box;font:14px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1b1f24}" +
    ".launch{position:fixed;inset-inline-end:20px;bottom:20px;z-index:2147483646;border:0;border-radius:22px;" +
    "padding:10px 18px;background:var(--tw-brand,#1f5fd1);color:var(--tw-brand-text,#fff);font-weight:600;" +
    "cursor:pointer;box-shadow:0 2px 10px #0004}" +
    ".panel{position:fixed;inset-inline-end:20px;bottom:72px;z-index:2147483647;width:340px;max-width:calc(100vw - 40px);" +
    "max-height:calc(100vh - 100px);overflow:auto;background:#fff;border-radius:10px;padding:16px;" +
    "box-shadow:0 6px 30px #0005}.panel.branded{border-top:5px solid var(--tw-brand)}[hidden]{display:none!important}" +
    ".logo{display:block;max-height:32px;max-width:200px;margin:0 0 8px}" +
    "h2{margin:0 0 10px;font-size:16px;font-weight:700}.x{position:absolute;inset-inline-end:8px;top:6px;border:0;" +
    "background:none;font-size:20px;cursor:pointer;padding:4px 8px}fieldset{border:0;margin:0 0 8px;padding:0;" +
    "display:flex;gap:12px}legend{margin-bottom:4px}label{display:block;margin:8px 0 3px}" +
    "fieldset label{display:inline;margin:0}textarea,input[type=email]{width:100%;padding:7px;" +
    "border:1px solid #8a939d;border-radius:6px;background:#fff}textarea{min-height:90px;resize:vertical}" +
    ".hp{position:absolute;left:-9999px;width:1px;height:1px;overflow:hidden}" +
    ".send{margin-top:12px;border:0;border-radius:6px;padding:8px 16px;background:var(--tw-brand,#1f5fd1);" +
    "color:var(--tw-brand-text,#fff);cursor:pointer}" +
    ".send:disabled{opacity:.6}.msg{min-height:1.2em;margin:8px 0 0;color:#b42318}" +
    ":focus-visible{outline:3px solid #f5a700;outline-offset:2px}a{color:var(--tw-brand-ink,#1f5fd1)}" +
    ".scale{display:flex;gap:3px;margin:8px 0 2px}.sc{flex:1;min-width:0;padding:6px 0;border:1px solid #8a939d;" +
    "border-radius:5px;background:#fff;cursor:pointer}" +
    ".sc[aria-pressed=true]{background:var(--tw-brand,#1f5fd1);color:var(--tw-brand-text,#fff)}" +
    ".ends{display:flex;justify-content:space-between;margin:0}.ends span{font-size:12px;color:#57606a}" +
    ".sim p{margin:8px 0 2px}.sim ul{list-style:none;padding:0;margin:0}.sim li{display:flex;" +
    "justify-content:space-between;align-items:center;gap:6px;margin:4px 0}" +
    ".mt{border:1px solid var(--tw-brand-ink,#1f5fd1);" +
    "border-radius:5px;background:#fff;color:var(--tw-brand-ink,#1f5fd1);cursor:pointer;padding:2px 8px;white-space:nowrap}" +
    // The strings are English: on a right-to-left page the panel is mirrored (placement, close
    // button, alignment) but each line keeps English order, so punctuation stays where it belongs.
    "[dir=rtl] :is(h2,legend,label,p,span,.send){unicode-bidi:plaintext;text-align:right}" +
    "textarea,input{unicode-bidi:plaintext}";
  var HTML = "<style>" + CSS + "</style>" +
    "<button class='launch' type='button' aria-haspopup='dialog' aria-expanded='false'>Feedback</button>" +
    "<div class='panel' role='dialog' aria-labelledby='tw-h' hidden>" +
    "<button class='x' type='button' aria-label='Close feedback'>\u00d7</button>" +
    "<h2 id='tw-h'>Send feedback</h2>" +
    "<form novalidate><fieldset><legend>What is it about?</legend>" +
    "<label><input type='radio' name='kind' value='bug' checked> Bug</label>" +
    "<label><input type='radio' name='kind' value='idea'> Idea</label>" +
    "<label><input type='radio' name='kind' value='feedback'> Other</label></fieldset>" +
    "<label for='tw-m'>Message</label><textarea id='tw-m' name='message' maxlength='5000' required></textarea>" +
    "<div class='sim' aria-live='polite' hidden><p>Others reported something like this. Same thing? Say so:</p>" +
    "<ul></ul></div>" +
    "<label for='tw-e'>Email (optional, for replies)</label>" +
    "<input id='tw-e' name='email' type='email' maxlength='254' autocomplete='email'>" +
    "<label for='tw-f'>Screenshot (optional: PNG, JPEG or WebP, up to 5 MB)</label>" +
    "<input id='tw-f' name='file' type='file' accept='image/png,image/jpeg,image/webp'>" +
    "<div class='hp' aria-hidden='true'><label>Website <input name='website' tabindex='-1' autocomplete='off'>" +
    "</label></div><p class='msg' role='status' aria-live='polite'></p>" +
    "<button class='send' type='submit'>Send</button></form>" +
    "<div class='done' hidden><p>Thank you! We got your feedback.</p>" +
    "<p><a class='status' target='_blank' rel='noopener'>Follow its status</a></p>" +
    "<button class='send again' type='button'>Close</button></div></div>" +
    "<div class='panel sv' role='dialog' aria-labelledby='tw-q' hidden>" +
    "<button class='x sx' type='button' aria-label='Dismiss survey'>\u00d7</button>" +
    "<form novalidate><h2 id='tw-q'></h2><div class='scale' role='group' aria-labelledby='tw-q'></div>" +
    "<p class='ends'><span></span><span></span></p>" +
    "<label for='tw-c'></label><textarea id='tw-c' name='comment' maxlength='5000'></textarea>" +
    "<p class='msg' role='status' aria-live='polite'></p><button class='send' type='submit'>Send</button></form>" +
    "<div class='done' hidden><p>Thank you for your answer!</p>" +
    "<button class='send' type='button'>Close</button></div></div>";
  var ENDS = {nps: ["Not likely", "Very likely"], csat: ["Very unhappy", "Very happy"]};

  // A child of <html>, not of <body>: a transform or filter on the page's body would make the
  // body the containing block of our position:fixed elements and carry them out of view.
  var host = d.createElement("triage-widget");
  var root = host.attachShadow({mode: "open"});
  root.innerHTML = HTML;
  function $(sel) { return root.querySelector(sel); }
  var launcher = $(".launch"), panel = $(".panel"), done = $(".done"), note = $(".msg"), sendButton = $("form .send");
  form = $("form");
  var sv = $(".sv"), sform = $(".sv form"), sdone = $(".sv .done"), snote = $(".sv .msg"), sbox = $(".scale");

  function say(text) { note.textContent = text || ""; }

  // "Me too": while the message is typed, open public reports that read alike, each with a vote
  // button (one per visitor or email); sending one's own report stays possible.
  var sim = $(".sim"), simList = $(".sim ul"), simTimer = null, simLast = "";
  function showSimilar(found) {
    simList.textContent = "";
    found.forEach(function (s) {
      var li = d.createElement("li"), b = d.createElement("button");
      li.appendChild(d.createTextNode(s.title + " (" + s.votes + ")"));
      b.type = "button";
      b.className = "mt";
      b.textContent = "Me too";
      b.addEventListener("click", function () { meToo(s, b); });
      li.appendChild(b);
      simList.appendChild(li);
    });
    sim.hidden = !found.length;
  }
  function meToo(s, b) {
    b.disabled = true;
    call("feedback/" + s.id + "/votes", {method: "POST", headers: {"Content-Type": "application/json"},
      body: toJSON({public_key: KEY, visitor: visitor(), email: form.email.value.trim()})})
      .then(function (r) { b.textContent = r.counted ? "Counted, thank you" : "Already counted"; },
        function (err) { b.textContent = err.status ? err.message : "Could not vote"; b.disabled = false; });
  }
  function lookSimilar() {
    var q = form.message.value.trim();
    if (q === simLast) return;
    simLast = q;
    if (q.length < 8) { showSimilar([]); return; }
    call("similar?key=" + encodeURIComponent(KEY) + "&q=" + encodeURIComponent(q.slice(0, 2000)), {method: "GET"})
      .then(function (r) { showSimilar(r.similar || []); }, function () { /* suggestions only */ });
  }
  function open() {
    if (!panel.hidden) return;
    if (!done.hidden) reset();
    opener = d.activeElement;
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    root.querySelector("input[name=kind]:checked").focus();
    if (!token) fetchToken().catch(function (err) { say(err.status ? refusal(err) : ""); });
  }
  function close() {
    if (panel.hidden) return;
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    (opener && opener !== d.body && opener !== host && opener.focus ? opener : launcher).focus();
  }
  function reset() {
    form.reset();
    showSimilar([]);
    simLast = "";
    form.hidden = false;
    done.hidden = true;
    say("");
  }
  function context() {
    var extra = {};
    for (var k in meta) if (k !== "app_version") extra[k] = meta[k];
    return {page_url: location.href, referrer: d.referrer, user_agent: navigator.userAgent,
      viewport: w.innerWidth + "x" + w.innerHeight, language: navigator.language,
      app_version: meta.app_version || appVersion || "", metadata: extra, js_errors: errors.slice()};
  }
  function submit(e) {
    e.preventDefault();
    var message = form.message.value.trim(), file = form.file.files[0];
    if (!message) { say("Please write a message."); form.message.focus(); return; }
    if (file && (TYPES.indexOf(file.type) < 0 || file.size > MAX_FILE)) {
      say("The screenshot must be a PNG, JPEG or WebP image of at most 5 MB."); form.file.focus(); return;
    }
    var pending = {key: newKey(), payload: {public_key: KEY, kind: form.kind.value, message: message,
      email: form.email.value.trim(), website: form.website.value, context: context(),
      user: user, user_signature: signature}};
    store(pending);
    sendButton.disabled = true;
    say("Sending\u2026");
    deliver(pending, 0).then(function (receipt) {
      return (file ? upload(receipt, file) : Promise.resolve(true)).then(function (attached) {
        say(attached ? "" : "Sent, but the screenshot could not be attached.");
        var link = $(".status");
        if (/^https?:/.test(receipt.status_url)) link.href = receipt.status_url;
        form.hidden = true;
        done.hidden = false;
        link.focus();
      });
    }, function (err) {
      say(kept(err) ? "Could not reach the server; it will be sent when you come back." : refusal(err));
    }).then(function () { sendButton.disabled = false; });
  }

  // Surveys: the server picks one (targeting, sampling); this browser remembers when it showed it.
  function askSurvey() {
    var q = "surveys/next?key=" + encodeURIComponent(KEY) + "&visitor=" + visitor();
    if (user) q += "&user=" + encodeURIComponent(toJSON(user)) + "&user_signature=" + encodeURIComponent(signature || "");
    call(q, {method: "GET"}).then(function (r) {
      var s = r.survey, seen = load(SEEN) || {};
      if (!s || !panel.hidden || !sv.hidden || Date.now() - (seen[s.token] || 0) < s.frequency_days * 864e5) return;
      seen[s.token] = Date.now();
      save(SEEN, seen);
      showSurvey(s);
    }).catch(function () { /* no survey this time */ });
  }
  function showSurvey(s) {
    var html = "", ends = ENDS[s.kind] || ["", ""];
    survey = s;
    score = null;
    for (var i = s.scale ? s.scale.min : 1; s.scale && i <= s.scale.max; i++) {
      html += "<button class='sc' type='button' aria-pressed='false'>" + i + "</button>";
    }
    sbox.innerHTML = html;
    sbox.hidden = $(".ends").hidden = !s.scale;
    $(".ends span").textContent = ends[0];
    $(".ends span+span").textContent = ends[1];
    $("#tw-q").textContent = s.question;
    $("[for=tw-c]").textContent = s.scale ? "Why? (optional)" : "Your answer";
    sform.reset();
    sform.hidden = false;
    sdone.hidden = true;
    snote.textContent = "";
    sv.hidden = false;
  }
  function dismiss() {
    var inside = sv.contains(root.activeElement);
    sv.hidden = true;
    if (inside) launcher.focus();
  }
  function answer(e) {
    e.preventDefault();
    var comment = sform.comment.value.trim(), button = $(".sv form .send");
    if (survey.scale && score === null) { snote.textContent = "Please choose a score."; $(".sc").focus(); return; }
    if (!survey.scale && !comment) { snote.textContent = "Please write an answer."; sform.comment.focus(); return; }
    button.disabled = true;
    snote.textContent = "Sending\u2026";
    call("surveys/" + encodeURIComponent(survey.token) + "/responses", {method: "POST",
      headers: {"Content-Type": "application/json"}, body: toJSON({score: survey.scale ? score : null,
        comment: comment, visitor: visitor(), user: user, user_signature: signature,
        app_version: meta.app_version || appVersion || null})}).then(function () {
      sform.hidden = true;
      sdone.hidden = false;
      $(".sv .done .send").focus();
    }, function (err) {
      snote.textContent = err.status ? err.message : "Could not reach the server; please try again.";
    }).then(function () { button.disabled = false; });
  }
  sbox.addEventListener("click", function (e) {
    var b = e.target.closest(".sc"), all = root.querySelectorAll(".sc");
    if (!b) return;
    score = +b.textContent;
    for (var i = 0; i < all.length; i++) all[i].setAttribute("aria-pressed", String(all[i] === b));
  });
  sform.addEventListener("submit", answer);
  $(".sx").addEventListener("click", dismiss);
  $(".sv .done .send").addEventListener("click", dismiss);

  launcher.addEventListener("click", function () { if (panel.hidden) open(); else close(); });
  $(".x").addEventListener("click", close);
  $(".again").addEventListener("click", function () { close(); reset(); });
  form.addEventListener("submit", submit);
  form.message.addEventListener("input", function () {
    clearTimeout(simTimer);
    simTimer = setTimeout(lookSimilar, 500);
  });
  root.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { e.stopPropagation(); if (sv.contains(e.target)) dismiss(); else close(); }
  });

  var api = {
    open: open,
    close: close,
    identify: function (u, sig) { user = u || null; signature = sig || null; },
    meta: function (m) { for (var k in m) meta[k] = m[k]; },
    survey: askSurvey,
    error: function (e) { if (e && e.type) captured(e); }
  };
  function triage(name) {
    var f = api[name];
    if (f) f.apply(null, [].slice.call(arguments, 1));
  }
  // The project's brand (GET widget-config): colours only ever as #rrggbb, set as style
  // properties (never markup), and a logo only from our own server.
  var COLOR = /^#[0-9a-f]{6}$/;
  function wear(brand) {
    var props = {"--tw-brand": brand.color, "--tw-brand-text": brand.text, "--tw-brand-ink": brand.ink};
    var parts = root.querySelectorAll(".launch,.panel"), i, name;
    if (!COLOR.test(brand.color || "")) props = {};
    for (i = 0; i < parts.length; i++) {
      for (name in props) if (COLOR.test(props[name] || "")) parts[i].style.setProperty(name, props[name]);
      if (props["--tw-brand"] && parts[i] !== launcher) parts[i].classList.add("branded");
    }
    var url = brand.logo_url;
    if (typeof url === "string" && url.indexOf(BASE + "/") === 0) {
      var img = d.createElement("img");
      img.className = "logo";
      img.alt = String(brand.name || "");
      img.addEventListener("error", function () { img.hidden = true; });
      img.src = url;
      panel.insertBefore(img, $("#tw-h"));
    }
  }
  function brandConfig() {
    call("widget-config?key=" + encodeURIComponent(KEY), {method: "GET"})
      .then(function (r) { if (r && r.brand) wear(r.brand); }, function () { /* the default look */ });
  }

  var queued = w.triage && w.triage.q || [];
  w.triage = triage;
  function pageDirection() {
    var el = d.body && d.body.dir ? d.body : d.documentElement;
    return (el.dir || w.getComputedStyle(el).direction) === "rtl" ? "rtl" : "ltr";
  }
  function start() {
    var dir = pageDirection(), parts = root.querySelectorAll(".launch,.panel");
    for (var i = 0; i < parts.length; i++) parts[i].dir = dir;
    d.documentElement.appendChild(host);
    brandConfig();
    for (i = 0; i < queued.length; i++) triage.apply(null, queued[i]);
    var pending = load(STORE);
    if (pending && pending.key) deliver(pending, 0).catch(function () {});  // a reload retries, same key
    if (script.getAttribute("data-surveys") !== "off") askSurvey();
  }
  if (d.body) start(); else d.addEventListener("DOMContentLoaded", start);
})(window, document);
