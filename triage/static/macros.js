// The item page's macro form: choosing a macro shows its reply filled for this item, ready to edit.
(function () {
  "use strict";
  var choice = document.getElementById("macro-choice");
  var body = document.getElementById("macro-body");
  if (!choice || !body) return;
  var shown = "";
  choice.addEventListener("change", function () {
    var option = choice.options[choice.selectedIndex];
    var text = option ? option.getAttribute("data-text") || "" : "";
    if (body.value === "" || body.value === shown) {  // never overwrite what the agent typed
      body.value = text;
    } else if (window.confirm("Replace your edited reply with this macro?")) {
      body.value = text;
    }
    shown = text;
  });
})();
