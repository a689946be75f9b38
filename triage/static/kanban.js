// Kanban: move cards between status columns by drag and drop or keyboard, through the
// same endpoint as the card's plain form (POST .../status), without reloading the page;
// "Load more" appends a column's next cards in place (without script it is a plain link).
(function () {
  "use strict";
  var board = document.getElementById("kanban");
  if (!board || !window.fetch) { return; }  // the plain forms and links keep working
  var live = document.getElementById("kanban-status");
  var columns = Array.prototype.slice.call(board.querySelectorAll(".kanban-column"));
  var tokenField = board.querySelector("input[name=csrf_token]");
  var token = tokenField && tokenField.value;  // none for read-only users: nothing to move

  function say(text) { live.textContent = text; }

  function columnOf(status) {
    return columns.filter(function (c) { return c.dataset.status === status; })[0];
  }

  function move(card, status) {
    var target = columnOf(status);
    if (!target || card.dataset.status === status) { return Promise.resolve(); }
    card.setAttribute("aria-busy", "true");
    return fetch(card.dataset.url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"X-CSRFToken": token, "Accept": "application/json",
                "Content-Type": "application/x-www-form-urlencoded"},
      body: new URLSearchParams({status: status}).toString()
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { throw new Error((data.error && data.error.message) || "Not moved"); }
        return data;
      });
    }).then(function (data) {
      var source = columnOf(card.dataset.status);
      place(card, target.querySelector(".kanban-cards"));
      count(source, -1);
      count(target, 1);
      card.dataset.status = data.status;
      var select = card.querySelector("select[name=status]");
      if (select) { select.value = data.status; }
      card.focus();
      say("#" + data.id + " moved to " + data.label + ".");
    }).catch(function (error) {
      say("#" + card.dataset.id + " was not moved: " + error.message);
    }).then(function () { card.removeAttribute("aria-busy"); });
  }

  // The moved card goes where the column's priority order puts it (P1 first; ties: after the others).
  function place(card, cards) {
    var after = Array.prototype.slice.call(cards.querySelectorAll(".kanban-card")).filter(function (other) {
      return other !== card && other.dataset.rank > card.dataset.rank;
    })[0];
    cards.insertBefore(card, after || null);
  }

  function count(column, change) {
    var badge = column && column.querySelector(".kanban-count");
    if (!badge) { return; }
    var value = parseInt(badge.dataset.count, 10) + change;
    badge.dataset.count = value;
    badge.textContent = value + (badge.dataset.more || "");
  }

  function neighbour(card, offset) {
    var index = columns.indexOf(columnOf(card.dataset.status)) + offset;
    return columns[index] ? columns[index].dataset.status : null;
  }

  function wire(card) {
    if (!token) { return; }
    var form = card.querySelector(".kanban-form");
    var buttons = card.querySelector(".kanban-buttons");
    if (form) { form.hidden = true; }
    if (buttons) { buttons.hidden = false; }
    card.addEventListener("dragstart", function (event) {
      event.dataTransfer.setData("text/plain", card.dataset.id);
      event.dataTransfer.effectAllowed = "move";
    });
    card.addEventListener("keydown", function (event) {
      if (event.target !== card) { return; }
      var offset = event.key === "ArrowLeft" ? -1 : event.key === "ArrowRight" ? 1 : 0;
      var status = offset && neighbour(card, offset);
      if (status) { event.preventDefault(); move(card, status); }
    });
    card.querySelectorAll("[data-move]").forEach(function (button) {
      button.addEventListener("click", function () {
        var status = neighbour(card, parseInt(button.dataset.move, 10));
        if (status) { move(card, status); }
      });
    });
  }

  // The column's next cards (an HTML fragment of our own server) go under the loaded ones;
  // a card already on the board (moved here meanwhile) is not added twice.
  function loadMore(link) {
    var column = link.closest(".kanban-column"), cards = column.querySelector(".kanban-cards");
    link.setAttribute("aria-disabled", "true");
    return fetch(link.dataset.cards, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      }).then(function (html) {
        var fragment = document.createElement("template"), added = 0, first = null;
        fragment.innerHTML = html;
        fragment.content.querySelectorAll(".kanban-card").forEach(function (card) {
          if (board.querySelector('.kanban-card[data-id="' + card.dataset.id + '"]')) { return; }
          wire(card);
          place(card, cards);  // after its equals: behind the loaded ones, before a worse card moved in
          first = first || card;
          added += 1;
        });
        var next = fragment.content.querySelector(".kanban-more");
        if (next) { link.replaceWith(next); wireMore(next); } else { link.remove(); }
        if (first) { first.focus(); }
        say(added + " more cards in " + column.querySelector("h2").firstChild.textContent.trim() + ".");
      }).catch(function (error) {
        link.removeAttribute("aria-disabled");
        say("More cards could not be loaded: " + error.message);
      });
  }

  function wireMore(link) {
    link.addEventListener("click", function (event) {
      if (link.getAttribute("aria-disabled") === "true") { event.preventDefault(); return; }
      event.preventDefault();
      loadMore(link);
    });
  }

  board.querySelectorAll(".kanban-card").forEach(wire);
  board.querySelectorAll(".kanban-more[data-cards]").forEach(wireMore);
  if (!token) { return; }

  columns.forEach(function (column) {
    column.addEventListener("dragover", function (event) { event.preventDefault(); });
    column.addEventListener("drop", function (event) {
      event.preventDefault();
      var id = event.dataTransfer.getData("text/plain");
      var card = board.querySelector('.kanban-card[data-id="' + id.replace(/\D/g, "") + '"]');
      if (card) { move(card, column.dataset.status); }
    });
  });
}());
