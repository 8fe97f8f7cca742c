// The tip and correction forms' proof of work (ALTCHA, from static/vendor/altcha). Optional:
// without JavaScript, or if the check fails, the form is sent without it and counts against
// the smaller per-address limit. The work runs in a Web Worker from our own origin; no data
// about the visitor is collected (the widget's interaction signature is off).
(function () {
  "use strict";
  var widget = document.querySelector("altcha-widget");
  var status = document.getElementById("proof-status");
  if (!widget || !status || !window.$altcha || !window.Worker || !window.crypto ||
      !window.crypto.subtle) { return; }
  var form = widget.closest("form");
  var workerUrl = widget.getAttribute("data-worker");
  window.$altcha.algorithms.set("PBKDF2/SHA-256", function () { return new Worker(workerUrl); });

  var state = "unverified";
  var waiting = null;  // the submit button pressed while the check was running
  var fallback = null;

  function say(key) {
    status.textContent = status.getAttribute("data-" + key) || "";
    status.hidden = !status.textContent;
  }

  function send(submitter) {
    window.clearTimeout(fallback);
    waiting = null;
    if (form.requestSubmit) { form.requestSubmit(submitter || undefined); }
    else if (submitter) { submitter.click(); } else { form.submit(); }
  }

  widget.addEventListener("statechange", function (event) {
    state = event.detail.state;
    form.setAttribute("data-proof", state);
    if (waiting !== null && state !== "verifying") {
      say(state === "verified" ? "verified" : "error");
      send(waiting);
    } else if (state === "verifying" || state === "verified" || state === "error") {
      say(state);
    }
  });
  // A challenge lives half an hour; someone still writing gets a new one.
  widget.addEventListener("expired", function () { widget.verify(); });

  form.addEventListener("submit", function (event) {
    var submitter = event.submitter || null;
    if (submitter && submitter.value === "search") { return; }  // only a name search
    if (state === "verified" || state === "error" || state === "expired") { return; }
    event.preventDefault();
    if (waiting !== null) { return; }
    waiting = submitter || false;
    say("waiting");
    if (state === "unverified") { widget.verify(); }
    // Never hold a tip back: after 35 s it goes without the check.
    fallback = window.setTimeout(function () { send(waiting); }, 35000);
  });
})();
