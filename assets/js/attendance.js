/* Live attendance: polls the JSON counters every 5 seconds (works behind any number of
   app processes: every answer comes from the database). */
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live) return;
  var url = "/api/events/" + live.getAttribute("data-event") + "/attendance";
  function text(id, value) { var el = document.getElementById(id); if (el) el.textContent = value; }
  function render(data) {
    text("checked-in", data.checked_in);
    text("registered", data.registered);
    text("walk-ins", data.walk_ins);
    text("registered-present", data.checked_in - data.walk_ins);
    var box = document.getElementById("arrivals");
    if (!box || !data.arrivals.length) return;
    var peak = Math.max.apply(null, data.arrivals.map(function (a) { return a[1]; })) || 1;
    box.innerHTML = "";
    data.arrivals.forEach(function (a) {
      var row = document.createElement("div"); row.className = "bar";
      var label = document.createElement("span"); label.className = "bar-label"; label.textContent = a[0];
      var fill = document.createElement("span"); fill.className = "bar-fill"; fill.style.width = Math.floor(a[1] * 100 / peak) + "%";
      var n = document.createElement("span"); n.className = "bar-n"; n.textContent = a[1];
      row.appendChild(label); row.appendChild(fill); row.appendChild(n); box.appendChild(row);
    });
  }
  function poll() {
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) render(data); }).catch(function () {});
  }
  setInterval(poll, 5000);
})();
