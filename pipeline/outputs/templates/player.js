"use strict";
(function () {
  const video = document.getElementById("player");
  const buttons = Array.from(document.querySelectorAll("button.cc"));
  // Every track stays loaded ("hidden"); the chosen one is shown. "" shows none.
  function show(lang) {
    for (const track of video.textTracks) {
      track.mode = track.language === lang ? "showing" : "hidden";
    }
    sync();
  }
  function sync() {
    const showing = Array.from(video.textTracks).find((t) => t.mode === "showing");
    const lang = showing ? showing.language : "";
    for (const b of buttons) b.setAttribute("aria-pressed", b.dataset.lang === lang ? "true" : "false");
  }
  for (const b of buttons) b.addEventListener("click", () => show(b.dataset.lang));
  // The player's own captions menu changes the tracks too: follow it.
  video.textTracks.addEventListener("change", sync);
  const initial = buttons.find((b) => b.getAttribute("aria-pressed") === "true");
  show(initial ? initial.dataset.lang : "");

  const snippet = document.getElementById("snippet");
  const status = document.getElementById("copied");
  document.getElementById("copy").addEventListener("click", () => {
    snippet.focus();
    snippet.select();
    const done = () => { status.textContent = "Copied."; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(snippet.value).then(done, () => {
        status.textContent = "Selected: press Ctrl+C (or \u2318C) to copy.";
      });
    } else {
      status.textContent = document.execCommand && document.execCommand("copy")
        ? "Copied." : "Selected: press Ctrl+C (or \u2318C) to copy.";
    }
  });
})();
