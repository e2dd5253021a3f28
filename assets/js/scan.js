/* Staff ticket scanner: the camera through BarcodeDetector where the browser has it, jsQR
   (vendored) otherwise; each code goes to the idempotent check-in API. Green = checked in,
   amber = already, red = not a ticket for this event; each with its own sound. */
(function () {
  "use strict";
  var root = document.getElementById("scanner");
  if (!root) return;
  document.documentElement.classList.add("js");
  var event = root.getAttribute("data-event");
  var result = document.getElementById("result");
  var video = document.getElementById("camera");
  var canvas = document.getElementById("frame");
  var lastCode = "", lastAt = 0, busy = false, audio = null;

  function beep(kind) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var tones = { ok: [880], already: [520, 520], invalid: [220] }[kind] || [440];
      tones.forEach(function (f, i) {
        var o = audio.createOscillator(), g = audio.createGain();
        o.frequency.value = f; o.connect(g); g.connect(audio.destination);
        var t = audio.currentTime + i * 0.18;
        g.gain.setValueAtTime(0.2, t); o.start(t); o.stop(t + 0.14);
      });
    } catch (e) { /* no sound: the colour still tells */ }
  }
  function show(kind, message, person) {
    result.className = "result " + kind;
    result.textContent = (person ? person.name + (person.unit ? "（" + person.unit + "）" : "") + " · " : "") + message;
    beep(kind === "checked_in" ? "ok" : kind);
  }
  function send(body) {
    busy = true;
    return fetch("/api/events/" + event + "/checkins", {
      method: "POST", credentials: "omit",
      headers: { "Content-Type": "application/json", "Authorization": "Bearer " + root.getAttribute("data-token"),
                 "Accept-Language": document.documentElement.lang || "zh-CN" },
      body: JSON.stringify(body)
    }).then(function (r) { return r.json(); })
      .then(function (d) { show(d.status === "checked_in" ? "checked_in" : (d.status === "already" ? "already" : "invalid"), d.message, d.attendee); })
      .catch(function () { show("invalid", root.getAttribute("data-msg-error")); })
      .then(function () { busy = false; });
  }
  function found(text) {
    var now = Date.now();
    if (busy || (text === lastCode && now - lastAt < 3000)) return;
    lastCode = text; lastAt = now;
    send({ code: text });
  }

  var note = document.getElementById("camera-note");
  function noCamera() {
    note.textContent = root.getAttribute("data-msg-camera");
    if (result.className.indexOf("idle") >= 0) result.textContent = "";
    note.hidden = false;
    document.querySelector(".viewfinder").hidden = true;
  }
  function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { noCamera(); return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (stream) {
      video.srcObject = stream;
      video.play();
      var detector = ("BarcodeDetector" in window) ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
      var ctx = canvas.getContext("2d", { willReadFrequently: true });
      function tick() {
        if (video.readyState === video.HAVE_ENOUGH_DATA && !busy) {
          if (detector) {
            detector.detect(video).then(function (codes) { if (codes.length) found(codes[0].rawValue); }).catch(function () {});
          } else if (window.jsQR) {
            canvas.width = video.videoWidth; canvas.height = video.videoHeight;
            ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
            var image = ctx.getImageData(0, 0, canvas.width, canvas.height);
            var code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
            if (code && code.data) found(code.data);
          }
        }
        setTimeout(tick, 200);
      }
      tick();
    }).catch(noCamera);
  }

  var form = document.getElementById("manual");
  var list = document.getElementById("matches");
  function lookup() {
    var q = document.getElementById("lookup").value;
    if (!q) return;
    fetch(form.action + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
      .then(function (r) { return r.json(); }).then(function (people) {
        list.innerHTML = "";
        if (!people.length) {
          var none = document.createElement("li");
          none.className = "muted";
          none.textContent = root.getAttribute("data-msg-none");
          list.appendChild(none);
        }
        people.forEach(function (p) {
          var li = document.createElement("li");
          var b = document.createElement("button");
          var arrived = !!p.checked_in_at;
          b.className = "button person" + (arrived ? " arrived" : " secondary");
          b.textContent = p.name + (p.unit ? "（" + p.unit + "）" : "") + (p.phone ? " " + p.phone : "") +
            " · " + (arrived ? root.getAttribute("data-msg-arrived") + " " + p.checked_in_at.substr(11, 5) : root.getAttribute("data-msg-missing"));
          b.addEventListener("click", function () {
            if (arrived) return;
            if (b.getAttribute("data-armed") !== "1") {  // a second tap confirms: no check-in by a slip
              b.setAttribute("data-armed", "1");
              b.textContent = root.getAttribute("data-msg-confirm").replace("{name}", p.name);
              return;
            }
            send({ attendee_id: p.id }).then(lookup);
          });
          li.appendChild(b); list.appendChild(li);
        });
      });
  }
  form.addEventListener("submit", function (e) { e.preventDefault(); lookup(); });
  window.showcaseScan = found;  // lets a test (or a hardware scanner's keyboard wedge) feed a code
  startCamera();
})();
