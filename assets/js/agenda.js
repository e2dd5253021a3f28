/* Drag-and-drop reordering of an agenda (SortableJS). Without JavaScript the ↑/↓ buttons
   do the same through plain form posts. */
(function () {
  "use strict";
  var body = document.getElementById("agenda-items");
  if (!body || typeof Sortable === "undefined") return;
  document.documentElement.classList.add("js");
  var table = body.closest("table");
  var eventId = table.getAttribute("data-event");

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function apply(agenda) {
    agenda.items.forEach(function (item) {
      var row = document.getElementById("item-" + item.id);
      if (!row) return;
      row.querySelector(".start").textContent = item.start;
      row.querySelector(".end").textContent = item.end;
    });
    var end = document.getElementById("agenda-end");
    if (end) end.textContent = agenda.ends;
    var list = document.getElementById("warnings");
    if (list) {
      list.innerHTML = "";
      var warned = {};
      agenda.warnings.forEach(function (w) {
        var li = document.createElement("li");
        li.textContent = w.message;
        list.appendChild(li);
        w.item_ids.forEach(function (id) { warned[id] = true; });
      });
      if (!agenda.warnings.length) {
        var ok = document.createElement("li");
        ok.className = "ok-text";
        ok.textContent = list.getAttribute("data-ok") || "✓";
        list.appendChild(ok);
      }
    }
    var rows = body.querySelectorAll("tr[data-id]");
    rows.forEach(function (row, index) {
      row.classList.toggle("warned", !!warned[row.getAttribute("data-id")]);
      var buttons = row.querySelectorAll("button[name=direction]");
      if (buttons.length === 2) {
        buttons[0].disabled = index === 0;
        buttons[1].disabled = index === rows.length - 1;
      }
    });
    table.setAttribute("data-saved", String(Date.now()));
  }

  Sortable.create(body, {
    handle: ".handle",
    animation: 150,
    onEnd: function () {
      var ids = Array.prototype.map.call(body.querySelectorAll("tr[data-id]"), function (row) {
        return parseInt(row.getAttribute("data-id"), 10);
      });
      fetch("/api/events/" + eventId + "/agenda/order", {
        method: "PUT",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ item_ids: ids })
      }).then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      }).then(apply).catch(function () { window.location.reload(); });
    }
  });
})();
