/* The live day on every screen that shows it: the projector, the stage control and the
   attendees' agenda pages. One server-sent stream (data-live-stream) brings the board:
   what is on stage, what comes next, every item's expected times and how late the day runs.
   EventSource reconnects by itself; a watchdog also reopens the stream when even the pings
   stop (a network that dropped without closing), and the first board after a reconnect
   brings the screen up to date. Titles are already in the page, in its language. */
(function () {
  "use strict";
  var root = document.querySelector("[data-live-stream]");
  if (!root || !window.EventSource || !window.JSON) return;
  var url = root.getAttribute("data-live-stream");
  var agendaVersion = root.getAttribute("data-agenda");
  var pageVersion = root.getAttribute("data-version");
  var reloadOnChange = root.hasAttribute("data-reload-on-version");
  var items = readJson("live-items") || {};
  var board = readJson("live-board");
  var offset = 0; // server clock minus this clock, in ms
  var lastHeard = Date.now();
  var source = null;
  var WATCHDOG_MS = 40000;
  var leaving = false; // a form of this page is being sent: its answer is the fresh page
  document.addEventListener("submit", function () { leaving = true; });

  function readJson(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }
  function text(id, value) {
    var el = document.getElementById(id);
    if (el && el.textContent !== value) el.textContent = value;
    return el;
  }
  // A title's short “…” titles (with the word they name) and its last characters in nowrap
  // spans, so that no line breaks inside them: the same rule as core/text.py keep_together.
  var LONGEST_KEPT = 14, TAIL = 3;
  function keepTogether(value) {
    if (value.length <= TAIL + 1) return value ? [[value, true]] : [];
    var spans = [], quoted = /\u201c[^\u201c\u201d]{1,98}\u201d/g, m;
    while ((m = quoted.exec(value))) {
      var start = m.index, end = m.index + m[0].length;
      if (end - start > LONGEST_KEPT) continue;
      var word = /^[\u4e00-\u9fff]{1,3}/.exec(value.slice(end));
      if (word && end + word[0].length - start <= LONGEST_KEPT && end + word[0].length < value.length - 1) end += word[0].length;
      spans.push([start, end]);
    }
    var bracket = /[\uff08(][^\uff08()\uff09]{1,6}[\uff09)]$/.exec(value);
    var tailStart = Math.min(bracket ? bracket.index : value.length - TAIL, value.length - TAIL);
    while (tailStart > 0 && "\u201d\uff09)\u300d\u300f\u300b\u3009\u3011\u3001\uff0c\u3002\uff1a\uff1b\uff01\uff1f\u00b7".indexOf(value.charAt(tailStart)) >= 0) tailStart -= 1;
    var kept = spans.filter(function (s) { return s[1] <= tailStart; });
    spans.forEach(function (s) { if (s[1] > tailStart) tailStart = Math.min(tailStart, s[0]); });
    kept.push([tailStart, value.length]);
    var runs = [], at = 0;
    kept.forEach(function (s) {
      if (s[0] > at) runs.push([value.slice(at, s[0]), false]);
      if (s[1] > s[0]) runs.push([value.slice(s[0], s[1]), true]);
      at = s[1];
    });
    return runs;
  }
  function setTitle(id, value) {
    var el = document.getElementById(id);
    if (!el || el.textContent === value) return el;
    el.textContent = "";
    keepTogether(value).forEach(function (run) {
      if (!run[1]) { el.appendChild(document.createTextNode(run[0])); return; }
      var span = document.createElement("span");
      span.className = "nobr";
      span.textContent = run[0];
      el.appendChild(span);
    });
    // The projector's title has room for two lines: rather a break inside a quote than a
    // last line cut off.
    if (el.scrollHeight > el.clientHeight * 1.25) el.textContent = value; // a third line (not just tall glyphs)
    return el;
  }
  function show(id, visible) {
    var el = document.getElementById(id);
    if (el) el.hidden = !visible;
  }
  function fill(template, n) { return (template || "").replace("{n}", String(n)); }
  function connected(ok) {
    root.classList.toggle("live-offline", !ok);
    var dot = document.getElementById("live-connection");
    if (dot) dot.setAttribute("data-ok", ok ? "1" : "0");
  }

  function connect() {
    if (source) source.close();
    source = new EventSource(url);
    source.onopen = function () { lastHeard = Date.now(); connected(true); };
    source.onmessage = function (e) {
      lastHeard = Date.now();
      connected(true);
      var next;
      try { next = JSON.parse(e.data); } catch (err) { return; }
      if (next.now) offset = next.now - Date.now();
      apply(next);
    };
    source.addEventListener("ping", function () { lastHeard = Date.now(); connected(true); });
    source.onerror = function () { connected(false); }; // EventSource retries on its own
  }
  setInterval(function () {
    if (source && Date.now() - lastHeard > WATCHDOG_MS) { lastHeard = Date.now(); connected(false); connect(); }
  }, 5000);

  function apply(next) {
    if (next.gone || leaving) return;
    if (agendaVersion && next.agenda && next.agenda !== agendaVersion) { window.location.reload(); return; }
    if (board && next.v < board.v) return; // an older board than the page already shows
    if (reloadOnChange && pageVersion && next.v > Number(pageVersion) && !busy()) {
      window.location.replace(window.location.pathname); // someone else moved the day on: their page, not our old message
      return;
    }
    board = next;
    if (typeof board.count === "number") text("checked-in", String(board.count));
    if (typeof board.rehearsal === "boolean") show("rehearsal-flag", board.rehearsal); // the projector says 彩排
    rows();
    late();
    if (document.getElementById("projector")) projector();
    tick();
  }
  function busy() {
    var el = document.activeElement;
    return el && (el.tagName === "INPUT" && el.type !== "hidden" && el.type !== "submit" || el.tagName === "SELECT" || el.tagName === "TEXTAREA");
  }

  /* Every element marked data-item-id: its expected times and state. */
  function rows() {
    (board.items || []).forEach(function (row) {
      var els = document.querySelectorAll('[data-item-id="' + row[0] + '"]');
      Array.prototype.forEach.call(els, function (el) {
        var start = el.querySelector(".js-start"), end = el.querySelector(".js-end");
        if (start && start.textContent !== row[1]) start.textContent = row[1];
        if (end && end.textContent !== row[2]) end.textContent = row[2];
        var length = el.querySelector(".js-minutes"); // the length, with minutes added on the day
        if (length && typeof row[5] === "number" && row[3] !== "skipped") {
          var text = fill(length.getAttribute("data-format"), row[5]);
          if (length.textContent !== text) length.textContent = text;
        }
        var planned = el.querySelector(".js-planned");
        if (planned) planned.hidden = planned.getAttribute("data-start") === row[1];
        var opens = el.querySelector(".js-opens"); // "not yet" on the feedback list: open once it starts
        if (opens && /^(on_stage|over_time|done)$/.test(row[3]) && opens.textContent !== opens.getAttribute("data-open")) {
          opens.textContent = opens.getAttribute("data-open");
          opens.classList.add("is-open");
        }
        el.className = el.className.replace(/\bstate-[a-z_]+/g, "").trim() + " state-" + row[3];
      });
    });
  }
  function late() {
    var el = document.getElementById("live-late");
    if (!el || !board) return;
    var value = board.late > 0 ? fill(el.getAttribute("data-late"), board.late) : el.getAttribute("data-on-time");
    if (board.day === "done") value = el.getAttribute("data-done") || value;
    if (el.textContent !== value) el.textContent = value;
    el.classList.toggle("is-late", board.late > 0 && board.day !== "done");
    el.hidden = board.day === "before" && !(board.late > 0);
  }

  function startOf(id) {
    var found = (board.items || []).filter(function (row) { return row[0] === id; })[0];
    return found ? found[1] : "";
  }
  function projector() {
    var p = document.getElementById("projector");
    var on = board.on && items[board.on], up = board.next && items[board.next];
    var label, title = "", who = "", presenter = "";
    if (on) {
      label = on.talk || on.k === on.t ? p.getAttribute("data-now") : p.getAttribute("data-now") + " · " + on.k;
      title = on.t; who = on.w; presenter = on.p;
    } else if (board.day === "done") {
      label = ""; title = p.getAttribute("data-done");
    } else if (up) {
      label = board.late > 0 ? p.getAttribute(board.day === "before" ? "data-soon" : "data-continues-soon")
        : fill(board.day === "before" ? p.getAttribute("data-starts") : p.getAttribute("data-continues"), startOf(board.next));
      title = up.t; who = up.w; presenter = up.p;
    } else {
      label = ""; title = p.getAttribute("data-idle");
    }
    text("now-label", label);
    var heading = setTitle("now-title", title);
    if (heading) heading.classList.toggle("hang", title.charAt(0) === "\u201c");
    text("now-who", who);
    text("now-presenter", presenter ? fill(p.getAttribute("data-presenter"), presenter) : "");
    show("countdown", !!on);
    var nextLine = on && up ? up : null;
    show("next-line", !!nextLine);
    if (nextLine) {
      text("next-time", startOf(board.next));
      text("next-title", nextLine.t);
      text("next-who", nextLine.w);
    }
    var rate = board.rate && items[board.rate];
    show("rate-panel", !!rate);
    show("checkin-panel", !rate);
    if (rate) {
      var holder = document.getElementById("rate-qr");
      if (holder.getAttribute("data-for") !== String(board.rate)) {
        var tpl = document.getElementById("rate-qr-" + board.rate);
        holder.innerHTML = "";
        if (tpl) holder.appendChild(document.importNode(tpl.content, true));
        holder.setAttribute("data-for", String(board.rate));
      }
      setTitle("rate-title", rate.t);
    }
  }

  /* The countdown of the item on stage, from the server's clock: amber in the last two
     minutes, red when over time. */
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function tick() {
    var clock = document.getElementById("clock");
    var now = Date.now() + offset;
    if (clock) {
      var d = new Date(now);
      clock.textContent = d.toLocaleTimeString(document.documentElement.lang || [], { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: root.getAttribute("data-tz") || undefined });
    }
    var el = document.getElementById("countdown");
    if (!el || !board) return;
    if (!board.ends) { el.textContent = ""; el.setAttribute("data-state", "normal"); return; }
    var left = Math.round((board.ends - now) / 1000);
    var abs = Math.abs(left);
    var value = (left < 0 ? "+" : "") + pad(Math.floor(abs / 60)) + ":" + pad(abs % 60);
    if (el.textContent !== value) el.textContent = value;
    el.setAttribute("data-state", left < 0 ? "red" : left <= 120 ? "amber" : "normal");
  }

  if (board) { rows(); late(); if (document.getElementById("projector")) projector(); }
  tick();
  setInterval(tick, 1000);
  connect();

  /* A tab in the background gives its connection back (a browser opens only six to one
     server over HTTP/1.1: live tabs must not starve the stage control) and catches up when
     it is shown again. */
  var hiddenTimer = null;
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      hiddenTimer = setTimeout(function () { if (source) { source.close(); source = null; } }, 10000);
    } else {
      clearTimeout(hiddenTimer);
      if (!source) { lastHeard = Date.now(); connect(); }
    }
  });

  var screen = document.getElementById("projector");
  if (screen) {
    var idle = null;
    var wake = function () {
      screen.classList.remove("idle");
      clearTimeout(idle);
      idle = setTimeout(function () { screen.classList.add("idle"); }, 3000);
    };
    document.addEventListener("mousemove", wake);
    wake();
  }
  var current = document.querySelector(".tabs [aria-current=page]");
  if (current && current.scrollIntoView) current.scrollIntoView({ block: "nearest", inline: "center" });

  /* A rotating door code: a fresh image every half period, swapped in once it has loaded. */
  var door = document.getElementById("checkin-img");
  var period = door ? parseInt(door.getAttribute("data-period"), 10) || 0 : 0;
  if (period > 0) {
    setInterval(function () {
      var fresh = new Image();
      fresh.onload = function () { door.src = fresh.src; };
      fresh.src = door.getAttribute("data-src") + "?t=" + Date.now();
    }, period * 500);
  }

  var full = document.getElementById("go-fullscreen");
  if (full && document.documentElement.requestFullscreen) {
    full.hidden = false;
    full.addEventListener("click", function () { document.documentElement.requestFullscreen().catch(function () {}); });
    document.addEventListener("fullscreenchange", function () { full.hidden = !!document.fullscreenElement; });
  }
})();
