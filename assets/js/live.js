/* Live regions: every 10 seconds, fetch this same page and swap in the new content of each
   element marked data-live (matched by id). The page works without it; any app process can
   answer (everything comes from the database). A region the user is working in (a focused
   button or field) is left alone until the next round. */
(function () {
  "use strict";
  var regions = document.querySelectorAll("[data-live]");
  if (!regions.length || !window.fetch || !window.DOMParser) return;
  var stamp = document.getElementById("live-stamp");
  var every = parseInt(document.body.getAttribute("data-live-seconds") || "10", 10) * 1000;
  function busy(el) { return el.contains(document.activeElement) && document.activeElement !== document.body; }
  function refresh() {
    if (document.hidden) return;
    fetch(window.location.pathname + window.location.search, { credentials: "same-origin", headers: { "X-Live": "1" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html");
        Array.prototype.forEach.call(document.querySelectorAll("[data-live]"), function (el) {
          var next = fresh.getElementById(el.id);
          if (next && !busy(el) && next.innerHTML !== el.innerHTML) el.innerHTML = next.innerHTML;
        });
        if (stamp) {
          stamp.textContent = new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
          stamp.parentNode.hidden = false;
        }
      })
      .catch(function () {});
  }
  setInterval(refresh, every);
})();
