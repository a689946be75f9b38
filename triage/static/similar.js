/* Similar reports on the hosted form: while the end user types a summary or details, open public
 * reports of the project that read alike are offered with a "me too" button (a vote; sending
 * one's own report stays possible). Same origin: the vote carries the form's CSRF token. */
(function () {
  "use strict";
  var form = document.getElementById("feedback-form");
  if (!form || !window.fetch) return;
  var box = form.querySelector(".similar"), list = box.querySelector("ul");
  var url = form.getAttribute("data-similar-url"), timer = null, last = "";
  // By name through `elements`: form.title and form.name are the form's own attributes.
  function field(name) { return form.elements.namedItem(name); }
  var title = field("title"), details = field("description");
  function value(name) { var f = field(name); return f ? f.value.trim() : ""; }
  function text() { return (title.value + "\n\n" + details.value).trim(); }
  function show(found) {
    list.textContent = "";
    found.forEach(function (s) {
      var li = document.createElement("li"), button = document.createElement("button");
      li.className = "list-group-item d-flex justify-content-between align-items-center gap-2";
      li.appendChild(document.createTextNode(s.title + " (" + s.status + ", " + s.votes + " votes)"));
      button.type = "button";
      button.className = "btn btn-outline-primary btn-sm me-too";
      button.textContent = "Me too";
      button.addEventListener("click", function () { meToo(s, button); });
      li.appendChild(button);
      list.appendChild(li);
    });
    box.hidden = found.length === 0;
  }
  function meToo(s, button) {
    var body = new URLSearchParams();
    body.set("csrf_token", value("csrf_token"));
    body.set("email", value("email"));
    body.set("name", value("name"));
    button.disabled = true;
    fetch(s.vote_url, {method: "POST", credentials: "same-origin", body: body,
      headers: {"Accept": "application/json", "X-CSRFToken": value("csrf_token")}})
      .then(function (r) { return r.json().then(function (j) { return {ok: r.ok, body: j}; }); })
      .then(function (r) {
        button.textContent = r.ok ? (r.body.counted ? "Counted, thank you" : "Already counted") :
          (r.body.error && r.body.error.message || "Could not vote");
      }, function () { button.textContent = "Could not vote"; button.disabled = false; });
  }
  function look() {
    var q = text();
    if (q === last) return;
    last = q;
    if (q.length < 8) { show([]); return; }
    fetch(url + "?q=" + encodeURIComponent(q.slice(0, 2000)), {headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : {similar: []}; })
      .then(function (j) { show(j.similar || []); }, function () { /* suggestions only: nothing to do */ });
  }
  form.addEventListener("input", function (e) {
    if (e.target !== title && e.target !== details) return;
    clearTimeout(timer);
    timer = setTimeout(look, 400);
  });
})();
