/* The projector's door code: a fresh QR every period (rotating codes) and the live count. */
(function () {
  "use strict";
  var door = document.getElementById("door");
  if (!door) return;
  var event = door.getAttribute("data-event");
  var period = parseInt(door.getAttribute("data-period"), 10) || 0;
  var img = document.getElementById("door-qr");
  if (period > 0) {
    setInterval(function () {
      var next = new Image();
      next.onload = function () { img.src = next.src; };
      next.src = "/organiser/events/" + event + "/door/qr?t=" + Date.now();
    }, period * 1000 / 2);
  }
  function count() {
    fetch("/api/events/" + event + "/attendance", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) { if (d) document.getElementById("door-count").textContent = d.checked_in; })
      .catch(function () {});
  }
  count();
  setInterval(count, 5000);
})();
