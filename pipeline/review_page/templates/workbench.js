// Review workbench: pick a video and a language, watch it with that track's captions drawn as the
// burned-in output draws them, edit cues in place (findings from the server's own check rules as you
// type), save, approve and comment. Every change goes through the JSON API with the run's key and the
// version it was based on. Text from the track is only ever set as text (textContent / value).
(function () {
  "use strict";

  var KEY_STORE = "pipeline-review-key";
  var NAME_STORE = "pipeline-reviewer";
  var CHECK_DELAY = 300; // ms after the last keystroke
  var POLL_EVERY = 2500; // ms between looks at the files on disk
  var ATTENTION = { machine: 1, edited: 1, stale: 1 };

  var $ = function (id) { return document.getElementById(id); };
  var video = $("video");
  var captions = $("captions");
  var videoSelect = $("video-select");
  var langSelect = $("lang-select");
  var reviewerInput = $("reviewer");
  var list = $("cue-list");
  var template = $("cue-template");

  var state = {
    key: null, videos: [], video: null, lang: null, track: null,
    cards: [], current: null, loading: false, pollTimer: null, changedOnDisk: false, declareVersion: null,
  };

  // ---------------------------------------------------------------- the address, the key, the name

  function hashParams() {
    var out = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (part) {
      var i = part.indexOf("=");
      if (i > 0) { out[decodeURIComponent(part.slice(0, i))] = decodeURIComponent(part.slice(i + 1)); }
    });
    return out;
  }

  function writeHash() {
    var parts = [];
    if (state.video) { parts.push("video=" + encodeURIComponent(state.video)); }
    if (state.lang) { parts.push("lang=" + encodeURIComponent(state.lang)); }
    history.replaceState(null, "", "#" + parts.join("&"));  // the key stays out of the address bar
  }

  function storage(kind) {
    try { return window[kind]; } catch (e) { return null; }
  }

  function reviewer() { return reviewerInput.value.trim(); }

  // A cue needs attention when it is not reviewed yet, when check finds something in it, or when the
  // engine itself had low confidence in it (unreviewed machine text below [draft] low_confidence).
  function needsAttention(cue, findings) {
    return !!(ATTENTION[cue.state] || cue.low_confidence || (findings || cue.findings).length);
  }

  // Words the engine marked when it drafted the cue, marked in the text until a person approves it.
  function engineMarked(cue) {
    return cue.state === "approved" || cue.state === "human" ? [] : (cue.unknown || []);
  }

  // Unsaved text is also kept in this browser, so a closed tab, a crash or a restarted server loses nothing.
  function draftKey(number) {
    return "pipeline-unsaved:" + state.video + ":" + state.lang + ":" + number;
  }

  function keepUnsaved(card) {
    var store = storage("localStorage");
    if (!store) { return; }
    try {
      if (card.dirty) {
        store.setItem(draftKey(card.number), JSON.stringify({ base: card.cue.version, text: card.edit.value }));
      } else {
        store.removeItem(draftKey(card.number));
      }
    } catch (e) { /* storage full or refused: the page still holds the text */ }
  }

  function unsavedFor(number) {
    var store = storage("localStorage");
    try { return store ? JSON.parse(store.getItem(draftKey(number)) || "null") : null; } catch (e) { return null; }
  }

  function needReviewer(card) {
    if (reviewer()) { return false; }
    reviewerInput.classList.add("missing");
    reviewerInput.focus();
    var text = "Type your name at the top first: it is recorded with approvals and comments.";
    if (card) { message(card, text, true); } else { notice(text); }
    return true;
  }

  // ---------------------------------------------------------------- the API

  function api(method, path, body) {
    var headers = { "Accept": "application/json" };
    if (state.key) { headers["X-Review-Token"] = state.key; }
    var init = { method: method, headers: headers, cache: "no-store", credentials: "same-origin" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var error = new Error(data.error || ("HTTP " + response.status));
          error.status = response.status;
          error.hint = data.hint;
          throw error;
        }
        return data;
      });
    }, function () {
      var error = new Error("the workbench server does not answer (was `pipeline review --serve` stopped?)");
      error.status = 0;
      throw error;
    });
  }

  function trackPath(suffix) {
    return "/api/videos/" + encodeURIComponent(state.video) + "/tracks/" + encodeURIComponent(state.lang) +
      (suffix || "");
  }

  function explain(error) {
    if (error.status === 409) {
      return "Changed elsewhere \u2014 reload. Nothing was written; your text is kept here. (" + error.message + ")";
    }
    if (error.status === 423) {
      return "Locked: " + error.message + ". Your text is kept here; try again in a moment.";
    }
    if (error.status === 403) {
      return error.message + (error.hint ? " \u2014 " + error.hint : "");
    }
    return error.message + (error.hint ? " (" + error.hint + ")" : "");
  }

  var READ_ONLY = "Read only: open the full address that `pipeline review --serve` printed (it carries the key) " +
    "to save, approve and comment.";

  function notice(text, offerReload) {
    if (!text && !state.key) { text = READ_ONLY; }
    $("notice-text").textContent = text;
    $("notice-reload").hidden = !offerReload;
    $("notice").hidden = !text;
  }

  // ---------------------------------------------------------------- small helpers

  function node(tag, className, text) {
    var el = document.createElement(tag);
    if (className) { el.className = className; }
    if (text !== undefined && text !== null) { el.textContent = text; }
    return el;
  }

  function clock(ms) {
    var s = Math.floor(ms / 1000), h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60;
    var text = (m < 10 ? "0" : "") + m + ":" + ("0" + (s % 60)).slice(-2) + "." + ("00" + (ms % 1000)).slice(-3);
    return h ? h + ":" + text : text;
  }

  // Findings as a list; on a cue (``card``), a misspelt word's suggestions are buttons that put one in
  // the text, and another adds the word to the project's word list (a name, a term of the report).
  function fillFindings(ul, findings, card) {
    ul.textContent = "";
    (findings || []).forEach(function (f) {
      var li = node("li", "sev-" + f.severity);
      li.appendChild(node("span", "rule", f.rule));
      li.appendChild(document.createTextNode(f.message));
      if (card && f.rule === "spelling") {
        (f.words || []).forEach(function (word) {
          ((f.suggestions || {})[word] || []).forEach(function (suggestion) {
            var use = node("button", "suggest", suggestion);
            use.type = "button";
            use.title = "Replace \u201c" + word + "\u201d with \u201c" + suggestion + "\u201d in this cue";
            use.addEventListener("click", function () { replaceWord(card, word, suggestion); });
            li.appendChild(use);
          });
          var add = node("button", "add-word", "add \u201c" + word + "\u201d to words." + state.lang + ".txt");
          add.type = "button";
          add.title = "A name or a term of the project: the spelling check accepts it from now on, in every track";
          add.addEventListener("click", function () { addWord(card, word); });
          li.appendChild(add);
        });
      }
      ul.appendChild(li);
    });
    if (card) {
      card.misspelt = [];
      (findings || []).forEach(function (f) {
        if (f.rule === "spelling") { card.misspelt = card.misspelt.concat(f.words || []); }
      });
      drawBackdrop(card);
    }
  }

  // What `pipeline fix` would write for this cue (its text repairs, its line breaks), offered as one click.
  function showFix(card, fix) {
    card.fix = fix === undefined ? null : fix;
    card.fixOffer.hidden = card.fix === null || card.fix === card.edit.value;
    card.fixText.textContent = card.fix || "";
  }

  function escapeRegExp(text) { return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  function wordPattern(words) {
    // Whole words in any script: not inside a longer run of letters or digits.
    return new RegExp("(?<![\\p{L}\\p{N}])(" + words.map(escapeRegExp).join("|") + ")(?![\\p{L}\\p{N}])", "gu");
  }

  function drawBackdrop(card) {
    var text = card.edit.value;
    var backdrop = card.backdrop;
    backdrop.textContent = "";
    var misspelt = (card.misspelt || []).filter(function (w) { return w; });
    var engine = engineMarked(card.cue).filter(function (w) { return w; });
    var words = misspelt.concat(engine);
    var last = 0;
    if (words.length) {
      var re = wordPattern(words), match;
      while ((match = re.exec(text)) !== null) {
        var kinds = [];
        if (misspelt.indexOf(match[0]) >= 0) { kinds.push("misspelt"); }
        if (engine.indexOf(match[0]) >= 0) { kinds.push("engine-marked"); }
        backdrop.appendChild(document.createTextNode(text.slice(last, match.index)));
        backdrop.appendChild(node("mark", kinds.join(" "), match[0]));
        last = re.lastIndex;
      }
    }
    backdrop.appendChild(document.createTextNode(text.slice(last) + "\n"));
    backdrop.scrollTop = card.edit.scrollTop;
  }

  function replaceWord(card, word, suggestion) {
    card.edit.value = card.edit.value.replace(wordPattern([word]), suggestion);
    onType(card);
    card.edit.focus();
  }

  function addWord(card, word) {
    if (needReviewer(card)) { return; }
    api("POST", "/api/words/" + encodeURIComponent(state.lang), { word: word, reviewer: reviewer() }).then(function (data) {
      message(card, "\u201c" + word + "\u201d is in " + data.path + " now: the spelling check accepts it.");
      if (card.dirty) { checkNow(card); }
      return loadTrack(false);
    }).catch(function (error) { message(card, explain(error), true); });
  }

  function message(card, text, bad) {
    card.msg.textContent = text || "";
    card.msg.className = "msg" + (text ? (bad ? " bad" : " good") : "");
  }

  // ---------------------------------------------------------------- choosing a video and a language

  function loadVideos(wanted) {
    return api("GET", "/api/videos").then(function (data) {
      state.videos = data.videos;
      videoSelect.textContent = "";
      data.videos.forEach(function (v) {
        var option = node("option", null, v.title + " (" + v.id + ")");
        option.value = v.id;
        videoSelect.appendChild(option);
      });
      var first = data.videos.filter(function (v) { return v.id === wanted.video; })[0] || data.videos[0];
      if (!first) { $("empty").textContent = "The catalog has no videos yet."; return; }
      selectVideo(first.id, wanted.lang);
    }).catch(function (error) { notice(explain(error)); });
  }

  function trackLabel(t) {
    var bits = [t.language + " \u2014 " + t.label];
    if (t.origin === "machine") { bits.push(t.publishable ? "approved" : "machine draft"); }
    if (t.origin === "unknown") { bits.push("unknown origin"); }
    if (t.open_comments) { bits.push(t.open_comments + " open comment" + (t.open_comments === 1 ? "" : "s")); }
    return bits.join(" \u00b7 ");
  }

  function selectVideo(id, wantedLang) {
    if (!confirmLeave()) { videoSelect.value = state.video; return; }
    state.video = id;
    videoSelect.value = id;
    var v = state.videos.filter(function (x) { return x.id === id; })[0];
    langSelect.textContent = "";
    v.tracks.forEach(function (t) {
      var option = node("option", null, trackLabel(t));
      option.value = t.language;
      langSelect.appendChild(option);
    });
    var drafts = v.tracks.filter(function (t) { return t.origin === "machine" && !t.publishable; });
    var others = v.tracks.filter(function (t) { return t.language !== v.audio_language; });
    var pick = v.tracks.filter(function (t) { return t.language === wantedLang; })[0] || drafts[0] || others[0] ||
      v.tracks[0];
    video.src = "/media/" + encodeURIComponent(id) + (state.key ? "?token=" + encodeURIComponent(state.key) : "");
    if (!pick) { state.lang = null; clearTrack("This video has no subtitle tracks yet."); return; }
    selectLanguage(pick.language, true);
  }

  function selectLanguage(lang, force) {
    if (!force && !confirmLeave()) { langSelect.value = state.lang; return; }
    state.lang = lang;
    langSelect.value = lang;
    writeHash();
    clearTrack("Loading\u2026");
    loadTrack(true);
  }

  function clearTrack(text) {
    state.track = null;
    state.cards = [];
    state.current = null;
    list.textContent = "";
    $("empty").textContent = text;
    $("empty").hidden = false;
    $("track-info").hidden = true;
    declareMessage("");
    captions.textContent = "";
  }

  function dirtyCards() { return state.cards.filter(function (c) { return c.dirty; }); }

  function confirmLeave() {
    var dirty = dirtyCards();
    if (!dirty.length) { return true; }
    notice("Cue " + dirty.map(function (c) { return c.number; }).join(", ") +
      " has unsaved text: save it (Ctrl+S) or undo it before switching.");
    dirty[0].edit.focus();
    return false;
  }

  // ---------------------------------------------------------------- one track

  function loadTrack(fresh) {
    if (!state.video || !state.lang) { return Promise.resolve(); }
    var video_ = state.video, lang = state.lang;
    state.loading = true;
    return api("GET", trackPath()).then(function (track) {
      if (video_ !== state.video || lang !== state.lang) { return; }
      showTrack(track, fresh);
      state.changedOnDisk = false;
      notice("");
    }).catch(function (error) {
      notice(explain(error), error.status !== 404);
    }).then(function () { state.loading = false; });
  }

  function showTrack(track, fresh) {
    state.track = track;
    $("empty").hidden = track.cues.length > 0;
    $("empty").textContent = track.cues.length ? "" : "This track has no cues.";
    $("track-info").hidden = false;
    $("track-path").textContent = track.path;
    $("record-where").hidden = !track.record_path;
    $("record-path").textContent = track.record_path || "";
    $("notes-path").textContent = track.notes_path;
    var next = $("next-step");
    next.textContent = track.next_step;
    var draft = track.origin === "machine" && !track.publishable;
    next.className = "next-step" + (draft ? " is-draft" : (track.publishable ? " is-ok" : ""));
    $("draft-overlay").hidden = !draft;
    var summary = $("summary");
    summary.textContent = "";
    summary.appendChild(document.createTextNode(track.cues.length + " cues "));
    Object.keys(track.counts).forEach(function (s) {
      var label = { machine: "unreviewed", edited: "edited", approved: "approved", stale: "stale", human: "by a person" }[s] || s;
      summary.appendChild(node("span", "badge badge-" + s, track.counts[s] + " " + label));
    });
    if (track.low_confidence) {
      summary.appendChild(node("span", "badge badge-low", track.low_confidence + " of low engine confidence"));
    }
    showDeclare(track);
    fillFindings($("track-findings"), track.track_findings);
    fillComments($("track-comments"), track.track_comments);
    $("now-source-label").textContent = track.source_label ? "Source: " + track.source_label : "Source";
    $("style-note").textContent = track.style ? (track.style.font || "default font") + ", " + track.style.profile +
      " profile" : "default style";
    if (fresh || track.cues.length !== state.cards.length) {
      var drafts = {};
      state.cards.forEach(function (c) { if (c.dirty) { drafts[c.number] = { text: c.edit.value, base: c.cue }; } });
      list.textContent = "";
      state.cards = track.cues.map(function (cue) { return makeCard(cue); });
      state.cards.forEach(function (card) {
        list.appendChild(card.el);
        var kept = drafts[card.number];
        if (kept) { keepDraft(card, kept.text, kept.base); return; }
        var stored = unsavedFor(card.number);
        if (stored && stored.text !== card.cue.text) {
          keepDraft(card, stored.text, { version: stored.base, text: card.cue.text });
          message(card, "Your unsaved text from before is back: save it, or undo it.", false);
        } else if (stored) {
          keepUnsaved(card);  // already saved meanwhile: forget it
        }
      });
      if (state.current && state.current.number <= state.cards.length) {
        setCurrent(state.cards[state.current.number - 1], false);
      } else {
        state.current = null;
      }
    } else {
      track.cues.forEach(function (cue, i) { updateCard(state.cards[i], cue); });
    }
    updateApproveAll();
    drawCaptions();
  }

  function keepDraft(card, text, base) {
    card.edit.value = text;
    drawBackdrop(card);
    if (base.version !== card.cue.version) {
      card.conflict.hidden = false;
      card.conflict.textContent = "This cue changed on disk meanwhile. On disk now: \u201c" + card.cue.text +
        "\u201d. Your text is kept below; Save replaces the text on disk with it.";
    }
    markDirty(card);
  }

  function makeCard(cue) {
    var el = template.content.firstElementChild.cloneNode(true);
    var card = {
      el: el, cue: cue, number: cue.number, dirty: false, checkSeq: 0, checkTimer: null,
      seek: el.querySelector(".seek"), end: el.querySelector(".end"), badge: el.querySelector(".badge"),
      confidence: el.querySelector(".confidence"),
      dirtyMark: el.querySelector(".dirty-mark"), who: el.querySelector(".who-did"), src: el.querySelector(".src"), stale: el.querySelector(".stale"),
      diff: el.querySelector(".diff"), conflict: el.querySelector(".conflict"), edit: el.querySelector("textarea.edit"),
      findings: el.querySelector(".findings"), save: el.querySelector(".save"), revert: el.querySelector(".revert"),
      approve: el.querySelector(".approve"), commentToggle: el.querySelector(".comment-toggle"),
      msg: el.querySelector(".msg"), comments: el.querySelector(".comments"),
      commentForm: el.querySelector(".comment-form"), commentText: el.querySelector(".comment-text"),
      commentAdd: el.querySelector(".comment-add"), backdrop: el.querySelector(".edit-backdrop"), misspelt: [],
      fixOffer: el.querySelector(".fix-offer"), fixText: el.querySelector(".fix-text"), useFix: el.querySelector(".use-fix"),
      fix: null,
    };
    el.dataset.number = String(cue.number);
    card.edit.lang = state.lang;
    if (state.track.source_language) { card.src.lang = state.track.source_language; }
    card.edit.value = cue.text;
    fitRows(card.edit);
    updateCard(card, cue);
    card.seek.addEventListener("click", function () { setCurrent(card, true); play(); });
    el.addEventListener("focusin", function () { if (state.current !== card) { setCurrent(card, !isPlaying()); } });
    card.edit.addEventListener("input", function () { onType(card); });
    card.edit.addEventListener("scroll", function () { card.backdrop.scrollTop = card.edit.scrollTop; });
    card.save.addEventListener("click", function () { save(card); });
    card.revert.addEventListener("click", function () { revert(card); });
    card.approve.addEventListener("click", function () { toggleApproval(card); });
    card.commentToggle.addEventListener("click", function () {
      card.commentForm.hidden = !card.commentForm.hidden;
      if (!card.commentForm.hidden) { card.commentText.focus(); }
    });
    card.commentAdd.addEventListener("click", function () { addComment(card); });
    card.useFix.addEventListener("click", function () {
      if (card.fix === null) { return; }
      card.edit.value = card.fix;
      onType(card);
      card.edit.focus();
    });
    return card;
  }

  function fitRows(textarea) {
    textarea.rows = Math.max(2, textarea.value.split("\n").length);
  }


  function updateCard(card, cue) {
    var before = card.cue;
    card.cue = cue;
    card.number = cue.number;
    card.el.className = "cue state-" + cue.state + (needsAttention(cue) ? " attention" : "") +
      (cue.low_confidence ? " low-confidence" : "") + (state.current === card ? " current" : "");
    // The engine's confidence, on unreviewed machine text only (as on the static page).
    var shown = cue.confidence !== null && cue.confidence !== undefined && cue.state === "machine";
    card.confidence.hidden = !shown;
    card.confidence.className = "confidence" + (cue.low_confidence ? " low" : "");
    card.confidence.textContent = shown ? "engine confidence " + Math.round(cue.confidence * 100) + "%" : "";
    card.confidence.title = shown ? (cue.low_confidence ? "Below the project's low_confidence (" +
      Math.round(state.track.low_confidence_below * 100) + "%): the engine itself doubted this text. " : "") +
      (cue.unknown.length ? "Marked: " + cue.unknown.join(", ") : "") : "";
    card.seek.textContent = "#" + cue.number + "  " + clock(cue.start);
    card.end.textContent = "\u2013 " + clock(cue.end);
    card.badge.className = "badge badge-" + cue.state;
    card.badge.textContent = cue.state_label;
    var who = [];
    if (cue.approved_by) { who.push("approved by " + cue.approved_by + ", " + when(cue.approved_at)); }
    if (cue.edited_by && cue.state !== "approved") { who.push("edited by " + cue.edited_by + ", " + when(cue.edited_at)); }
    card.who.textContent = who.join(" \u00b7 ");
    card.src.textContent = cue.source.join("\n");
    if (cue.stale) {
      card.stale.hidden = false;
      card.diff.textContent = "";
      if (cue.stale.diff) {
        cue.stale.diff.forEach(function (piece) {
          var tag = piece[0] === "-" ? "del" : (piece[0] === "+" ? "ins" : "span");
          card.diff.appendChild(node(tag, null, piece[1]));
        });
      } else if (cue.stale.now === null) {
        card.diff.textContent = "Its source cue was removed.";
      } else {
        card.diff.textContent = "The old source text is not recorded (nor in git history); the source now reads: \u201c" +
          cue.stale.now + "\u201d";
      }
    } else {
      card.stale.hidden = true;
    }
    if (!card.dirty) {
      card.edit.value = cue.text;
      fitRows(card.edit);
      fillFindings(card.findings, cue.findings, card);
      showFix(card, cue.fix);
    } else if (before && before.version !== cue.version) {
      keepDraft(card, card.edit.value, before);
    }
    var machine = state.track.origin === "machine";
    card.approve.hidden = !machine;
    card.approve.textContent = cue.state === "approved" ? "Un-approve" : "Approve";
    card.approve.classList.toggle("is-approve", cue.state !== "approved");
    card.approve.disabled = card.dirty;
    card.approve.title = card.dirty ? "Save first: approval is for the text on disk" : "";
    fillComments(card.comments, cue.comments);
  }

  function when(at) { return at ? at.replace("T", " ").replace(/:\d\dZ$/, " UTC") : ""; }

  function fillComments(ul, comments) {
    ul.textContent = "";
    (comments || []).forEach(function (c) {
      var li = node("li", c.status === "resolved" ? "resolved" : "open");
      li.dataset.comment = String(c.id);
      li.appendChild(node("span", "who", c.author));
      li.appendChild(node("span", "when", c.at.replace("T", " ").replace("Z", " UTC")));
      var button = node("button", "resolve", c.status === "resolved" ? "Reopen" : "Resolve");
      button.type = "button";
      button.addEventListener("click", function () { setComment(c, c.status === "resolved" ? "open" : "resolved"); });
      li.appendChild(button);
      if (c.status === "resolved") {
        li.appendChild(node("span", "when", " resolved by " + c.resolved_by));
      }
      li.appendChild(node("span", "text", c.text));
      ul.appendChild(li);
    });
  }

  function updateApproveAll() {
    var button = $("approve-all");
    var machine = state.track && state.track.origin === "machine";
    button.hidden = !machine;
    var ready = reviewable();
    button.disabled = !ready.length;
    button.classList.remove("confirm");
    button.textContent = "Approve all reviewed (" + ready.length + ")";
    var stale = state.cards.filter(function (c) { return c.cue.state === "stale"; }).length;
    button.title = "Approve every cue that is not approved yet, except stale cues" + (stale ? " (" + stale +
      " stale: look at each and approve it on its own)" : "") + " and cues with unsaved text.";
  }

  function reviewable() {
    return state.cards.filter(function (c) {
      return c.cue.state !== "approved" && c.cue.state !== "stale" && !c.dirty;
    });
  }

  // ---------------------------------------------------------------- editing and live findings

  function markDirty(card) {
    card.dirty = card.edit.value !== card.cue.text;
    card.el.classList.toggle("dirty", card.dirty);
    card.dirtyMark.hidden = !card.dirty;
    card.save.disabled = !card.dirty;
    card.revert.hidden = !card.dirty;
    card.approve.disabled = card.dirty;
    if (!card.dirty) { card.conflict.hidden = true; }
    keepUnsaved(card);
    updateApproveAll();
  }

  function onType(card) {
    markDirty(card);
    fitRows(card.edit);
    drawBackdrop(card);
    message(card, "");
    drawCaptions();
    clearTimeout(card.checkTimer);
    card.findings.classList.add("checking");
    card.checkTimer = setTimeout(function () { checkNow(card); }, CHECK_DELAY);
  }

  function checkNow(card) {
    var seq = ++card.checkSeq;
    var text = card.edit.value;
    api("POST", trackPath("/check"), { number: card.number, text: text }).then(function (data) {
      if (seq !== card.checkSeq) { return; }  // an older answer: the text has changed since
      card.findings.classList.remove("checking");
      fillFindings(card.findings, data.findings, card);
      showFix(card, data.fix);
      card.el.classList.toggle("attention", needsAttention(card.cue, data.findings));
    }).catch(function (error) {
      if (seq !== card.checkSeq) { return; }
      card.findings.classList.remove("checking");
      message(card, "Could not check the text: " + explain(error), true);
    });
  }

  function revert(card) {
    card.edit.value = card.cue.text;
    card.conflict.hidden = true;
    markDirty(card);
    fitRows(card.edit);
    fillFindings(card.findings, card.cue.findings, card);
    showFix(card, card.cue.fix);
    message(card, "");
    drawCaptions();
  }

  function save(card) {
    if (!card.dirty) { return Promise.resolve(); }
    var text = card.edit.value;
    card.save.disabled = true;
    message(card, "Saving\u2026");
    var body = { version: card.cue.version, text: text, reviewer: reviewer() };
    return api("POST", trackPath("/cues/" + card.number), body).then(function (data) {
      if (card.edit.value === text) { card.edit.value = data.text; }
      card.cue = Object.assign({}, card.cue, { text: data.text, version: data.version });
      state.track.file_version = data.file_version;
      card.conflict.hidden = true;
      markDirty(card);
      message(card, data.changed ? "Saved to " + state.track.path + "." : "Nothing to save: the text is the same.");
      return loadTrack(false);
    }).catch(function (error) {
      card.save.disabled = false;
      message(card, explain(error), true);
      if (error.status === 409) { notice("This track changed elsewhere since you loaded it.", true); }
    });
  }

  // ---------------------------------------------------------------- approving

  function approve(cards, approved) {
    var body = {
      cues: cards.map(function (c) { return { number: c.number, version: c.cue.version }; }), reviewer: reviewer(),
    };
    return api("POST", trackPath(approved ? "/approve" : "/unapprove"), body).then(function (data) {
      return loadTrack(false).then(function () { return data; });
    });
  }

  function toggleApproval(card) {
    if (card.dirty) { message(card, "Save first: approval is for the text on disk.", true); return; }
    if (needReviewer(card)) { return; }
    var approved = card.cue.state !== "approved";
    card.approve.disabled = true;
    approve([card], approved).then(function () {
      var again = state.cards[card.number - 1] || card;
      message(again, approved ? "Approved by " + reviewer() + "." : "Approval taken back.");
    }).catch(function (error) {
      card.approve.disabled = false;
      message(card, explain(error), true);
      if (error.status === 409) { notice("This track changed elsewhere since you loaded it.", true); }
    });
  }

  var confirmTimer = null;
  $("approve-all").addEventListener("click", function () {
    var button = $("approve-all");
    var ready = reviewable();
    if (!ready.length || needReviewer(null)) { return; }
    if (!button.classList.contains("confirm")) {
      button.classList.add("confirm");
      button.textContent = "Click again to approve " + ready.length + " cue" + (ready.length === 1 ? "" : "s") +
        " as " + reviewer();
      clearTimeout(confirmTimer);
      confirmTimer = setTimeout(updateApproveAll, 5000);
      return;
    }
    clearTimeout(confirmTimer);
    button.disabled = true;
    approve(ready, true).then(function (data) {
      notice("");
      $("summary").appendChild(node("span", "done", "\u2713 " + data.changed.length + " approved"));
    }).catch(function (error) {
      notice(explain(error), error.status === 409);
      updateApproveAll();
    });
  });

  // ---------------------------------------------------------------- declaring a person's track

  // A track of unknown origin is published only once a person declares it theirs: a consequential
  // claim, so it takes two steps (the button, then "Yes" under a question that says what it means).
  function showDeclare(track) {
    var shown = !!track.declarable;
    var appearing = shown && $("declare").hidden;
    if (!shown || appearing) { $("declare-confirm").hidden = true; }
    $("declare").hidden = !shown;
    if (shown && !$("declare-confirm").hidden && track.file_version !== state.declareVersion) {
      // The file changed on disk after the question was asked: it was about other text. Ask again.
      $("declare-confirm").hidden = true;
      declareMessage("This track changed on disk since you asked to declare it: read it again, then declare it.",
        true);
    }
  }

  function declareMessage(text, bad) {
    $("declare-msg").textContent = text || "";
    $("declare-msg").className = "msg" + (text ? (bad ? " bad" : " good") : "");
  }

  // A declaration is about the file on disk: text typed here and not saved is not part of it.
  function unsavedBeforeDeclaring() {
    var dirty = dirtyCards();
    if (!dirty.length) { return false; }
    $("declare-confirm").hidden = true;
    declareMessage("Cue " + dirty.map(function (c) { return c.number; }).join(", ") + " has unsaved text: save it " +
      "(Ctrl+S) or undo it first. A declaration is about the file as it is on disk.", true);
    dirty[0].edit.focus();
    return true;
  }

  $("declare-start").addEventListener("click", function () {
    if (!state.track || needReviewer(null) || unsavedBeforeDeclaring()) { return; }
    $("declare-question").textContent = "Declare, as " + reviewer() + ", that a person wrote " + state.track.path +
      " (it is not machine output) and that you answer for it? Your name and the time are recorded in its review " +
      "record, and once check passes the comms team's `pipeline build` publishes it as it is now.";
    $("declare-yes").textContent = "Yes, declare it a person's translation, as " + reviewer();
    state.declareVersion = state.track.file_version;  // the text the reviewer has read, and declares
    $("declare-confirm").hidden = false;
    declareMessage("");
    $("declare-yes").focus();
  });

  $("declare-cancel").addEventListener("click", function () {
    $("declare-confirm").hidden = true;
    $("declare-start").focus();
  });

  $("declare-yes").addEventListener("click", function () {
    if (!state.track || needReviewer(null) || unsavedBeforeDeclaring()) { return; }
    var lang = state.lang;
    $("declare-yes").disabled = true;
    api("POST", trackPath("/declare"), { file_version: state.declareVersion, reviewer: reviewer() })
      .then(function (data) {
        $("declare-confirm").hidden = true;
        declareMessage("Declared a person's translation by " + data.declared_by + ", " + when(data.declared_at) +
          (data.already ? " (it had been declared already)" : "") + ": recorded in its review record.");
        return loadTrack(false).then(function () {
          var v = state.videos.filter(function (x) { return x.id === state.video; })[0];
          var t = v && v.tracks.filter(function (x) { return x.language === lang; })[0];
          var option = langSelect.querySelector("option[value='" + CSS.escape(lang) + "']");
          if (t && option && state.track && state.lang === lang) {
            t.origin = state.track.origin;
            t.publishable = state.track.publishable;
            option.textContent = trackLabel(t);
          }
        });
      }).catch(function (error) {
        declareMessage(explain(error), true);
        if (error.status === 409) {
          notice("This track changed elsewhere since you loaded it: reload it and read it again before declaring it.",
            true);
        }
      }).then(function () { $("declare-yes").disabled = false; });
  });

  // ---------------------------------------------------------------- comments

  function addComment(card) {
    var text = card.commentText.value;
    if (!text.trim()) { card.commentText.focus(); return; }
    if (needReviewer(card)) { return; }
    card.commentAdd.disabled = true;
    api("POST", trackPath("/comments"), {
      number: card.number, version: card.cue.version, author: reviewer(), text: text,
    }).then(function () {
      card.commentText.value = "";
      card.commentForm.hidden = true;
      message(card, "Comment added.");
      return loadTrack(false);
    }).catch(function (error) {
      message(card, explain(error), true);
    }).then(function () { card.commentAdd.disabled = false; });
  }

  function setComment(comment, status) {
    if (needReviewer(null)) { return; }
    api("POST", trackPath("/comments/" + comment.id), { status: status, author: reviewer() }).then(function () {
      return loadTrack(false);
    }).catch(function (error) { notice(explain(error)); });
  }

  // ---------------------------------------------------------------- playing and the captions

  function isPlaying() { return !video.paused && !video.ended; }

  function play() {
    var promise = video.play();
    if (promise && promise.catch) { promise.catch(function () {}); }
  }

  function setCurrent(card, seek) {
    if (state.current && state.current !== card) { state.current.el.classList.remove("current"); }
    state.current = card;
    card.el.classList.add("current");
    if (seek) { video.currentTime = card.cue.start / 1000 + 0.001; }
    drawCaptions();
  }

  function styleFor(track, height, width) {
    var s = track.style || { size: 0.06, outline: 0.0065, colour: "FFFFFF", outline_colour: "000000",
      margin_vertical: 0.1, margin_sides: 0.1, box: false, box_opacity: 0.75, position: "bottom" };
    return {
      font: (s.font ? "\"" + s.font.replace(/["\\]/g, "") + "\", " : "") + "\"Noto Sans\", sans-serif",
      // libass sizes a font by its full height; Noto Sans's full height is 1.362 em.
      size: s.size * height / 1.362, line: s.size * height, stroke: 2 * s.outline * height,
      colour: "#" + s.colour, outline: "#" + s.outline_colour, box: s.box,
      boxColour: "rgba(" + parseInt(s.outline_colour.slice(0, 2), 16) + "," + parseInt(s.outline_colour.slice(2, 4), 16) +
        "," + parseInt(s.outline_colour.slice(4, 6), 16) + "," + s.box_opacity + ")",
      pad: 0.15 * s.size * height, marginV: s.margin_vertical * height, marginH: s.margin_sides * width,
      position: s.position, bold: s.bold, rtl: s.rtl,
    };
  }

  // Cue text as the renderer draws it: <i>, <b> and <u> styled, other tags and {\...} overrides dropped.
  function appendStyled(parent, text) {
    var styles = { i: 0, b: 0, u: 0 };
    var re = /<(\/?)([ibu])>|<\/?[a-zA-Z][^<>]*>|\{\\[^{}]*\}/g;
    var last = 0, match;
    function push(piece) {
      if (!piece) { return; }
      var span = node("span", null, piece);
      if (styles.i) { span.style.fontStyle = "italic"; }
      if (styles.b) { span.style.fontWeight = "700"; }
      if (styles.u) { span.style.textDecoration = "underline"; }
      parent.appendChild(span);
    }
    while ((match = re.exec(text)) !== null) {
      push(text.slice(last, match.index));
      if (match[2]) { styles[match[2].toLowerCase()] = match[1] ? 0 : 1; }
      last = re.lastIndex;
    }
    push(text.slice(last));
  }

  function pictureBox() {
    var w = video.clientWidth, h = video.clientHeight, vw = video.videoWidth, vh = video.videoHeight;
    if (!vw || !vh) { return { left: 0, top: 0, width: w, height: h }; }
    var scale = Math.min(w / vw, h / vh);
    var pw = vw * scale, ph = vh * scale;
    return { left: (w - pw) / 2, top: (h - ph) / 2, width: pw, height: ph };
  }

  function drawCaptions() {
    captions.textContent = "";
    var track = state.track;
    if (!track) { return; }
    var now = video.currentTime * 1000;
    var showing = state.cards.filter(function (c) { return c.cue.start <= now && now < c.cue.end; });
    state.cards.forEach(function (c) { c.el.classList.toggle("active", showing.indexOf(c) >= 0); });
    var box = pictureBox();
    var st = styleFor(track, box.height, box.width);
    captions.style.left = box.left + "px";
    captions.style.top = box.top + "px";
    captions.style.width = box.width + "px";
    captions.style.height = box.height + "px";
    captions.style.padding = (st.position === "top" ? st.marginV + "px " : "0 ") + st.marginH + "px " +
      (st.position === "bottom" ? st.marginV + "px" : "0");
    captions.className = "captions pos-" + st.position;
    captions.dir = st.rtl ? "rtl" : "auto";
    captions.lang = state.lang || "";
    showing.forEach(function (card) {
      var block = node("div", "cue-block" + (card.dirty ? " unsaved-cue" : ""));
      var line = node("span", "line-box");
      line.style.fontFamily = st.font;
      line.style.fontSize = st.size + "px";
      line.style.lineHeight = st.line + "px";
      line.style.color = st.colour;
      line.style.fontWeight = st.bold ? "700" : "400";
      if (st.box) {
        line.style.background = st.boxColour;
        line.style.padding = "0 " + st.pad + "px";
      } else {
        line.style.webkitTextStroke = st.stroke + "px " + st.outline;
      }
      appendStyled(line, card.edit.value);
      block.appendChild(line);
      captions.appendChild(block);
    });
    var source = [];
    showing.forEach(function (c) { c.cue.source.forEach(function (t) { if (source.indexOf(t) < 0) { source.push(t); } }); });
    $("now-source").textContent = track.source_language ? source.join("\n") : "";
  }

  function scrollToActive() {
    var active = state.cards.filter(function (c) { return c.el.classList.contains("active"); })[0];
    if (active && isPlaying() && !list.contains(document.activeElement)) {
      active.el.scrollIntoView({ block: "nearest" });
    }
  }

  function frameLoop() {
    drawCaptions();
    scrollToActive();
    if (isPlaying()) { requestAnimationFrame(frameLoop); }
  }

  video.addEventListener("play", function () { requestAnimationFrame(frameLoop); });
  ["seeked", "loadedmetadata", "pause", "timeupdate"].forEach(function (name) {
    video.addEventListener(name, drawCaptions);
  });
  window.addEventListener("resize", drawCaptions);

  // ---------------------------------------------------------------- keyboard

  function move(step) {
    if (!state.cards.length) { return; }
    var i = state.current ? state.cards.indexOf(state.current) + step : 0;
    i = Math.max(0, Math.min(state.cards.length - 1, i));
    goTo(state.cards[i]);
  }

  function goTo(card) {
    setCurrent(card, true);
    card.el.scrollIntoView({ block: "nearest" });
    card.edit.focus();
  }

  function nextAttention() {
    var start = state.current ? state.cards.indexOf(state.current) + 1 : 0;
    for (var k = 0; k < state.cards.length; k++) {
      var card = state.cards[(start + k) % state.cards.length];
      if (card.el.classList.contains("attention")) { goTo(card); return; }
    }
    notice("No cue needs attention in this track.");
  }

  function replay() {
    if (!state.current) { return; }
    setCurrent(state.current, true);
    play();
  }

  document.addEventListener("keydown", function (event) {
    var typing = /^(TEXTAREA|INPUT|SELECT)$/.test(event.target.tagName);
    var key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if ((event.ctrlKey || event.metaKey) && key === "s") {
      event.preventDefault();
      var card = state.current;
      if (card) { save(card); }
      return;
    }
    if (event.altKey && !event.ctrlKey && !event.metaKey) {
      var handled = true;
      if (key === "k") { if (isPlaying()) { video.pause(); } else { play(); } }
      else if (key === "ArrowUp") { move(-1); }
      else if (key === "ArrowDown") { move(1); }
      else if (key === "n") { nextAttention(); }
      else if (key === "r") { replay(); }
      else if (key === "a") { if (state.current) { toggleApproval(state.current); } }
      else { handled = false; }
      if (handled) { event.preventDefault(); }
      return;
    }
    if (!typing && key === " " && event.target.tagName !== "BUTTON" && event.target.tagName !== "VIDEO") {
      event.preventDefault();
      if (isPlaying()) { video.pause(); } else { play(); }
    }
  });

  // ---------------------------------------------------------------- changes on disk

  function poll() {
    if (!state.track || state.loading || document.hidden) { return; }
    var track = state.track;
    api("GET", trackPath("/versions")).then(function (v) {
      if (state.track !== track) { return; }
      var changed = v.file_version !== track.file_version || v.record_version !== track.record_version ||
        v.notes_version !== track.notes_version;
      if (!changed) { return; }
      if (!dirtyCards().length && !list.contains(document.activeElement)) {
        loadTrack(false);  // nothing of yours on the page would be touched: just show the new state
      } else if (!state.changedOnDisk) {
        state.changedOnDisk = true;
        notice("This track changed on disk since you loaded it (another reviewer, a text editor or a draft). " +
          "Reload to see it: your unsaved text stays on the page.", true);
      }
    }).catch(function () {});
  }

  $("notice-reload").addEventListener("click", function () { loadTrack(false); });

  window.addEventListener("beforeunload", function (event) {
    if (dirtyCards().length) { event.preventDefault(); event.returnValue = ""; }
  });

  // ---------------------------------------------------------------- start

  videoSelect.addEventListener("change", function () { selectVideo(videoSelect.value, null); });
  langSelect.addEventListener("change", function () { selectLanguage(langSelect.value, false); });
  $("attention-only").addEventListener("change", function () {
    list.classList.toggle("attention-only", $("attention-only").checked);
  });
  reviewerInput.addEventListener("input", function () {
    reviewerInput.classList.remove("missing");
    $("declare-confirm").hidden = true;  // the question named the reviewer: ask it again under the new name
    var store = storage("localStorage");
    if (store) { store.setItem(NAME_STORE, reviewer()); }
  });

  var session = storage("sessionStorage");

  // The key comes in the address's fragment (never sent to the server, kept for this tab only).
  function takeKey(params) {
    if (params.key && session) { session.setItem(KEY_STORE, params.key); }
    state.key = params.key || (session && session.getItem(KEY_STORE)) || state.key || null;
  }

  var params = hashParams();
  takeKey(params);
  // An address pasted into the open tab changes only the fragment: take its key and its choice.
  window.addEventListener("hashchange", function () {
    var changed = hashParams();
    if (!changed.key && !changed.video) { return; }
    takeKey(changed);
    notice("");
    if (changed.video && (changed.video !== state.video || (changed.lang && changed.lang !== state.lang))) {
      loadVideos(changed);
    } else {
      writeHash();
    }
  });
  var local = storage("localStorage");
  reviewerInput.value = (local && local.getItem(NAME_STORE)) || "";
  notice("");
  loadVideos(params);
  state.pollTimer = setInterval(poll, POLL_EVERY);
})();
