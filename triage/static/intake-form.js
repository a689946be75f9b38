// The hosted feedback form: show the fields of the chosen kind, count characters.
// Loaded as a file (no inline script: the CSP forbids it). The server validates by kind
// and length either way; without JavaScript every field shows and nothing is counted.
(function () {
  "use strict";
  var form = document.querySelector("[data-feedback-form]");
  if (!form) return;

  function chosenKind() {
    var checked = form.querySelector('input[name="kind"]:checked');
    return checked ? checked.value : "";
  }

  function showKind() {
    var kind = chosenKind();
    form.querySelectorAll("[data-kinds]").forEach(function (group) {
      var shown = group.getAttribute("data-kinds").split(" ").indexOf(kind) !== -1;
      group.hidden = !shown;
      group.disabled = !shown; // hidden fields are not sent
    });
  }

  function addCounter(field) {
    var max = parseInt(field.getAttribute("maxlength"), 10);
    if (!max) return;
    var counter = document.createElement("div");
    counter.className = "form-text text-end";
    counter.id = field.id + "-count";
    field.insertAdjacentElement("afterend", counter);
    var described = field.getAttribute("aria-describedby");
    field.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
    function update() {
      var left = max - field.value.length;
      counter.textContent = field.value.length.toLocaleString() + " / " + max.toLocaleString() + " characters";
      counter.classList.toggle("text-danger", left < Math.min(20, max / 10));
    }
    field.addEventListener("input", update);
    update();
  }

  form.querySelectorAll('input[name="kind"]').forEach(function (radio) {
    radio.addEventListener("change", showKind);
  });
  form.querySelectorAll("[data-counter]").forEach(addCounter);
  showKind();
})();
