"""Which files go to which channel: the ``channels`` section of ``dist/manifest.json`` and the README's table.

A pure function of the manifest's entries (their kind, languages, profile and frame), so the section always
describes the files that exist. Machine drafts never appear in it.

=========  ==========================================  ===========================================================
channel    where                                       files, per video
=========  ==========================================  ===========================================================
youtube    YouTube (and Vimeo)                         the subtitled MP4, an SRT and a WebVTT per language, the poster
website    the organisation's website                  the player page (``index.html``) and the files it plays;
                                                       the HLS package (``<video>.m3u8``) when built
vertical   Instagram and Facebook Reels, TikTok,       per language, the 9:16 burned-in MP4 and its poster (cover)
           YouTube Shorts, Stories
feeds      Facebook, Instagram, LinkedIn and X feeds   per language, the square (or 4:5) burned-in MP4 and its poster
anywhere   presentations, messaging apps, platforms    per language, the burned-in MP4 in the source's frame
           that take no caption files
download   people who want to keep the video           the MKV with every language as a switchable track
=========  ==========================================  ===========================================================
"""

from __future__ import annotations

from typing import Iterable

#: The channels in the order the manifest lists them: who uses them, and what to do with the files.
CHANNELS: dict[str, dict[str, object]] = {
    "youtube": {"platforms": ["YouTube", "Vimeo"],
                "how": "upload the video; add each language's SRT (or WebVTT) as its captions; the poster "
                       "is the thumbnail"},
    "website": {"platforms": ["the website"],
                "how": "publish the video's folder as it is (the page plays the files beside it), or copy "
                       "the embed code from the page"},
    "vertical": {"platforms": ["Instagram Reels", "Facebook Reels", "TikTok", "YouTube Shorts", "Stories"],
                 "how": "post the video of the post's language (captions are in the picture, clear of the "
                        "apps' buttons); the poster is its cover"},
    "feeds": {"platforms": ["Facebook", "Instagram", "LinkedIn", "X"],
              "how": "post the video of the post's language (captions are in the picture: feeds play "
                     "muted)"},
    "anywhere": {"platforms": ["presentations", "messaging apps", "platforms without caption files"],
                 "how": "the video of the audience's language, captions in the picture"},
    "download": {"platforms": ["download"],
                 "how": "one file with every language as a switchable caption track"},
}


def frame_channel(width: int | None, height: int | None) -> str:
    """The channel of a burned-in picture by its shape: tall (9:16, 2:3) vertical, square or 4:5 feeds,
    landscape anywhere."""
    if not width or not height:
        return "anywhere"
    tall = height / width
    if tall >= 1.5:
        return "vertical"
    if tall >= 1.0:
        return "feeds"
    return "anywhere"


def channels(outputs: Iterable[dict]) -> dict[str, dict]:
    """The ``channels`` section for manifest entries: per channel, its platforms, what to do, and per
    video the files (paths in ``dist/``)."""
    found: dict[str, dict[str, dict]] = {name: {} for name in CHANNELS}
    posters: dict[tuple[str, str], str] = {}  # (video, profile) -> poster path
    entries = [e for e in outputs if isinstance(e, dict) and not e.get("draft")]
    for e in entries:
        if e.get("kind") == "poster":
            posters[(e["video"], e.get("profile") or "web")] = e["path"]
    for e in sorted(entries, key=lambda e: e.get("path", "")):
        video, kind, path = e.get("video"), e.get("kind"), e.get("path")
        langs = e.get("languages") or []
        if kind == "soft-mp4":
            youtube = found["youtube"].setdefault(video, {})
            youtube["video"] = path
            if (video, "web") in posters:
                youtube["thumbnail"] = posters[(video, "web")]
        elif kind in ("srt", "webvtt") and len(langs) == 1:
            caption = found["youtube"].setdefault(video, {}).setdefault("captions", {}).setdefault(langs[0], {})
            caption["srt" if kind == "srt" else "vtt"] = path
        elif kind == "player":
            found["website"].setdefault(video, {}).update({"page": path, "files": list(e.get("plays") or [])})
        elif kind == "hls":
            found["website"].setdefault(video, {})["hls"] = path
        elif kind == "burned-in" and len(langs) == 1:
            channel = frame_channel(e.get("width"), e.get("height"))
            item = {"video": path}
            poster = posters.get((video, e.get("profile") or "web"))
            if poster and channel != "anywhere":
                item["cover"] = poster
            found[channel].setdefault(video, {})[langs[0]] = item
        elif kind == "soft-mkv":
            found["download"][video] = {"video": path}
    return {name: {**CHANNELS[name], "videos": found[name]} for name in CHANNELS}
