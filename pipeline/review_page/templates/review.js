// Review page behaviour: language switching (own buttons and the player's menu stay in step), the cue
// table following playback, click-to-seek, and the "needs attention" filter. No libraries, no network.
(function () {
  "use strict";

  var video = document.getElementById("video");
  var overlay = document.getElementById("draft-overlay");
  var buttons = Array.prototype.slice.call(document.querySelectorAll("button.lang"));
  var panels = {};
  var trackEls = {};
  var current = null;
  var activeRows = [];

  Array.prototype.forEach.call(document.querySelectorAll(".panel"), function (panel) {
    var rows = Array.prototype.map.call(panel.querySelectorAll("tr[data-start]"), function (tr) {
      return { el: tr, start: Number(tr.dataset.start), end: Number(tr.dataset.end) };
    });
    panels[panel.dataset.lang] = { el: panel, rows: rows };
  });
  Array.prototype.forEach.call(video.querySelectorAll("track"), function (el) {
    trackEls[el.dataset.lang] = el;
    // Every track loads and keeps its cues up to date; only the chosen one is drawn.
    if (el.track.mode === "disabled") { el.track.mode = "hidden"; }
    el.track.addEventListener("cuechange", function () {
      if (el.dataset.lang === current) { refresh(); }
    });
  });

  function showingLanguage() {
    for (var lang in trackEls) {
      if (trackEls[lang].track.mode === "showing") { return lang; }
    }
    return null;
  }

  function updateOverlay() {
    var lang = showingLanguage();
    overlay.hidden = !(lang && trackEls[lang].dataset.draft);
  }

  // Show `lang` in the table; unless `fromPlayer` (the player's menu already chose), draw its captions.
  function select(lang, fromPlayer) {
    if (!panels[lang]) { return; }
    current = lang;
    if (!fromPlayer) {
      for (var other in trackEls) {
        trackEls[other].track.mode = other === lang ? "showing" : "hidden";
      }
    }
    for (var key in panels) { panels[key].el.hidden = key !== lang; }
    buttons.forEach(function (b) { b.setAttribute("aria-pressed", String(b.dataset.lang === lang)); });
    if (history.replaceState) { history.replaceState(null, "", "#lang=" + encodeURIComponent(lang)); }
    updateOverlay();
    refresh(true);
  }

  // Highlight the rows of the cues on screen now (from the rows' own times, so it also works with
  // captions switched off in the player).
  function refresh(quiet) {
    var panel = panels[current];
    if (!panel) { return; }
    var now = video.currentTime * 1000;
    var next = panel.rows.filter(function (r) { return r.start <= now && now < r.end; });
    if (next.length === activeRows.length && next.every(function (r, i) { return r === activeRows[i]; })) { return; }
    activeRows.forEach(function (r) { r.el.classList.remove("active"); r.el.removeAttribute("aria-current"); });
    next.forEach(function (r) { r.el.classList.add("active"); r.el.setAttribute("aria-current", "true"); });
    activeRows = next;
    if (!quiet && !video.paused && next.length) { next[0].el.scrollIntoView({ block: "nearest" }); }
  }

  buttons.forEach(function (b) {
    b.addEventListener("click", function () { select(b.dataset.lang, false); });
  });

  // The player's own captions menu: follow its choice ("Off" keeps the table where it is).
  video.textTracks.addEventListener("change", function () {
    var lang = showingLanguage();
    if (lang && lang !== current) { select(lang, true); } else { updateOverlay(); }
  });

  Object.keys(panels).forEach(function (lang) {
    var panel = panels[lang];
    panel.el.addEventListener("click", function (event) {
      var tr = event.target.closest("tr[data-start]");
      // Selecting text to copy it is not a request to seek.
      if (!tr || String(window.getSelection()).length) { return; }
      video.currentTime = Number(tr.dataset.start) / 1000;
      refresh(true);
    });
    var filter = panel.el.querySelector("input.attention-only");
    if (filter) {
      filter.addEventListener("change", function () { panel.el.classList.toggle("attention-only", filter.checked); });
    }
  });

  ["timeupdate", "seeked", "seeking", "play"].forEach(function (name) {
    video.addEventListener(name, function () { refresh(name !== "timeupdate"); });
  });

  var match = /(?:^#|&)lang=([^&]+)/.exec(location.hash);
  var wanted = match ? decodeURIComponent(match[1]) : null;
  var initial = wanted && panels[wanted] ? wanted : (buttons.filter(function (b) {
    return b.getAttribute("aria-pressed") === "true";
  }).map(function (b) { return b.dataset.lang; })[0] || Object.keys(panels)[0]);
  if (initial) { select(initial, false); }
})();
