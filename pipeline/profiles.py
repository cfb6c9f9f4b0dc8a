"""Output profiles for burned-in videos and the caption style of each track, from the catalog.

A profile is a frame shape with its codec settings and caption layout: ``web`` keeps the source's aspect,
``square`` (1:1) and ``vertical`` (9:16) are for social platforms. The picture fills the frame by padding,
a blurred copy of itself or cropping; captions are laid out on the *output* frame, inside the profile's safe
zone (where the apps draw no buttons), re-broken for its width and line count.

Catalog (every key optional)::

    [profiles]
    build = ["web", "square", "vertical"]   # which profiles `pipeline build` makes (default: web)

    [profiles.vertical]
    fit = "blur"            # pad: bars around the picture | blur: over a blurred copy of itself | crop
    crop_x = 0.5            # crop: where the frame sits across the picture (0 left .. 1 right)
    width = 1080            # frame size; default from the source (its short side), even numbers
    height = 1920
    pad_colour = "000000"
    safe_bottom = 0.20      # the safe zone: fractions of the frame captions keep clear of
    safe_right = 0.15       #   (safe_top, safe_bottom of the height; safe_left, safe_right of the width)
    max_lines = 3           # lines per caption in this profile
    max_chars = 28          # characters per line (default: from the frame's width and the caption size)
    over_picture = true     # false: captions below the picture, never over its own titles (pad, blur)
    preset = "veryfast"     # x264 preset
    crf = 23
    audio_bitrate = "128k"

    [profiles.vertical.style]  # caption style for this profile only (over [style])
    size = 0.04

A custom profile needs ``aspect``: ``[profiles.portrait] aspect = "4:5"``.
Style keys (``[style]``, per language ``[style.ar]``, per video ``[videos.style]``) are those of
:class:`pipeline.media.commands.BurnStyle`.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Iterator

from pipeline import language_table, languages
from pipeline.errors import CatalogError
from pipeline.linebreak import layout_lines
from pipeline.media.commands import FITS, POSITIONS, BurnStyle, Encoding, FrameFit, Insets
from pipeline.model import Track
from pipeline.project import Project

BUILTIN_ASPECTS: dict[str, Fraction | None] = {"web": None, "square": Fraction(1), "vertical": Fraction(9, 16)}
#: Caption size suited to each built-in frame (fractions of its height): a 9:16 frame is narrow, so
#: text sized like a landscape video's would fit a handful of words per line. In the vertical frame the
#: margins are measured from the safe zone's edges, so they are small.
BUILTIN_STYLE: dict[str, dict[str, Any]] = {
    "web": {}, "square": {"size": 0.045},
    "vertical": {"size": 0.034, "margin_vertical": 0.02, "margin_sides": 0.04},
}
#: The built-in profiles' own settings. The vertical safe zone keeps captions clear of the interface
#: TikTok, Instagram/Facebook Reels and YouTube Shorts draw over a 9:16 video: the description, account
#: name and sound at the bottom (~17-20% of the height), the like/comment/share column on the right
#: (~11-15% of the width), the tabs at the top; sources in docs/rendering.md ("Safe zones").
BUILTIN_PROFILE: dict[str, dict[str, Any]] = {
    "web": {}, "square": {},
    "vertical": {"fit": "blur", "safe_top": 0.14, "safe_bottom": 0.20, "safe_left": 0.06, "safe_right": 0.15,
                 "max_lines": 3},
}
DEFAULT_BUILD = ("web",)
#: Average advance of a character of running text, as a fraction of the caption size (libass's font size):
#: measured on rendered Noto Sans lines of English and Spanish (0.35-0.37, capitals 0.41) and Russian
#: (0.43), and Noto Naskh Arabic (0.36). A language whose guide allows fewer characters per line than 42 is
#: taken to have wider letters in proportion (Russian: 39).
CHAR_WIDTH = 0.40
_SAFE_KEYS = ("safe_top", "safe_bottom", "safe_left", "safe_right")
_PROFILE_KEYS = {"aspect", "fit", "crop_x", "width", "height", "pad_colour", "preset", "crf", "audio_bitrate",
                 "style", "max_lines", "max_chars", "over_picture", *_SAFE_KEYS}
_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")
_HEX = re.compile(r"^[0-9A-Fa-f]{6}$")


@dataclass(frozen=True)
class Profile:
    """One output shape: frame, fit, codec settings and caption style overrides."""

    name: str
    aspect: Fraction | None = None  # width / height; None = the source's
    fit: str = "pad"  # pad | blur | crop
    width: int | None = None
    height: int | None = None
    pad_colour: str = "000000"
    preset: str = "veryfast"
    crf: int = 23
    audio_bitrate: str = "128k"
    style: dict[str, Any] = field(default_factory=dict, compare=False)  # [profiles.NAME.style]
    crop_x: float = 0.5
    safe: Insets = Insets()  # the safe zone: where captions never go
    max_lines: int = 2
    max_chars: int | None = None  # None: from the frame's width and the caption size (fixed aspects only)
    over_picture: bool = True  # False: captions below the picture (pad and blur fits)

    @property
    def encoding(self) -> Encoding:
        return Encoding(self.preset, self.crf, self.audio_bitrate)

    def frame(self, source_width: int, source_height: int) -> FrameFit | None:
        """The output frame for a source of that size; None when the picture passes unchanged."""
        w, h = self.width, self.height
        if self.aspect is None:
            if w is None and h is None:
                return None
            aspect = Fraction(source_width, source_height)
        else:
            aspect = self.aspect
        if w is None and h is None:
            base = _even(min(source_width, source_height))
            w, h = (base, _even(base / aspect)) if aspect <= 1 else (_even(base * aspect), base)
        elif w is None:
            w = _even(h * aspect)
        elif h is None:
            h = _even(w / aspect)
        if (w, h) == (source_width, source_height) and self.aspect is None:
            return None
        return FrameFit(w, h, self.fit, self.pad_colour, self.crop_x)

    def fingerprint(self, source_width: int, source_height: int) -> dict[str, Any]:
        """Everything about the profile that changes the encoded picture (for incremental builds)."""
        fit = self.frame(source_width, source_height)
        return {"frame": dataclasses.asdict(fit) if fit else None, "encoding": dataclasses.asdict(self.encoding),
                "safe": dataclasses.asdict(self.safe), "lines": [self.max_lines, self.max_chars],
                "over_picture": self.over_picture}


def _even(value) -> int:
    return max(2, int(round(float(value) / 2)) * 2)


def _fail(project: Project, where: str, problem: str, hint: str | None = None) -> CatalogError:
    return CatalogError(project.catalog_path, f"{where}: {problem}", hint=hint)


def profile_names(project: Project, video_id: str | None = None) -> list[str]:
    """The profiles built for a video: ``[profiles] build`` (default ``["web"]``)."""
    raw = project.setting("profiles", video_id).get("build", list(DEFAULT_BUILD))
    for _key, problem, hint in _build_problems(raw):
        raise _fail(project, "[profiles] build", problem, hint)
    return list(dict.fromkeys(raw))


def _build_problems(raw: Any) -> Iterator[tuple[str | None, str, str | None]]:
    if not isinstance(raw, list) or not raw or not all(isinstance(n, str) for n in raw):
        yield "build", "must be a list of profile names such as [\"web\", \"vertical\"]", None


def _profile_table_problems(name: str, table: dict[str, Any]) -> Iterator[tuple[str | None, str, str | None]]:
    """Problems of one profile's (merged) table: ``(key, what is wrong, what to do)``."""
    if name not in BUILTIN_ASPECTS and "aspect" not in table:
        yield None, "is not a built-in profile and has no aspect", \
            f"use one of {', '.join(BUILTIN_ASPECTS)}, or add [profiles.{name}] aspect = \"4:5\""
    if name not in BUILTIN_ASPECTS and languages.is_known(name):  # a built-in name never asks langcodes
        yield None, "is a language code", "give the profile another name"
    for key in sorted(set(table) - _PROFILE_KEYS):
        yield key, f"unknown key {key!r}", f"known keys: {', '.join(sorted(_PROFILE_KEYS))}"
    if "aspect" in table and _aspect(table["aspect"]) is None:
        yield "aspect", f"aspect {table['aspect']!r} must look like \"9:16\"", None
    if "fit" in table and table["fit"] not in FITS:
        yield "fit", f"fit {table['fit']!r} must be \"pad\", \"blur\" or \"crop\"", None
    for key in ("crop_x", *_SAFE_KEYS):
        value = table.get(key)
        top = 1.0 if key == "crop_x" else 0.45
        if key in table and (isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= top):
            yield key, f"{key} must be a fraction of the frame from 0 to {top:g}", (
                "0 keeps the picture's left edge, 0.5 its centre, 1 its right edge" if key == "crop_x"
                else "e.g. safe_bottom = 0.2 keeps the bottom 20% clear")
    for key, low, high in (("max_lines", 1, 6), ("max_chars", 8, 120)):
        value = table.get(key)
        if key in table and (isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high):
            yield key, f"{key} must be a whole number from {low} to {high}", None
    if "over_picture" in table and not isinstance(table["over_picture"], bool):
        yield "over_picture", "over_picture must be true or false", None
    for key in ("width", "height"):
        value = table.get(key)
        if key in table and (not isinstance(value, int) or isinstance(value, bool) or not 16 <= value <= 8192):
            yield key, f"{key} must be a whole number of pixels (16-8192)", None
    if "pad_colour" in table and _hex(table["pad_colour"]) is None:
        yield "pad_colour", f"pad_colour {table['pad_colour']!r} must be a colour as RRGGBB, e.g. \"FFFFFF\"", None
    if "preset" in table and table["preset"] not in _PRESETS:
        yield "preset", f"preset {table['preset']!r} is not an x264 preset", f"one of {', '.join(_PRESETS)}"
    crf = table.get("crf")
    if "crf" in table and (not isinstance(crf, int) or isinstance(crf, bool) or not 0 <= crf <= 51):
        yield "crf", "crf must be a whole number from 0 to 51 (23 is x264's default)", None
    if "audio_bitrate" in table and not re.fullmatch(r"\d+k", str(table["audio_bitrate"])):
        yield "audio_bitrate", "audio_bitrate must look like \"128k\"", None
    if "style" in table:
        if not isinstance(table["style"], dict):
            yield "style", "style must be a table: [profiles.NAME.style]", None
        else:
            yield from style_problems(table["style"])


def profile_problems(table: dict[str, Any], inherited: dict[str, Any] | None = None
                     ) -> Iterator[tuple[str | None, tuple[str | None, str, str | None]]]:
    """Problems of a ``[profiles]`` table (a project's, or a video's over the project's ``inherited``), each
    with the profile it is in (None for ``build``)."""
    inherited = inherited or {}
    for key, problem, hint in _build_problems(table.get("build", list(DEFAULT_BUILD))):
        yield None, (key, problem, hint)
    names = [n for n in table if n != "build"] + [n for n in table.get("build", []) if isinstance(n, str)]
    for name in dict.fromkeys(names):
        layer = table.get(name, {})
        if not isinstance(layer, dict):
            yield name, (None, f"[profiles.{name}] must be a table", None)
            continue
        base = inherited.get(name, {})
        merged = (base if isinstance(base, dict) else {}) | layer
        for key, problem, hint in _profile_table_problems(name, merged):
            if key is None or key in layer or name not in table:  # report each problem where it is written
                yield name, (key, problem, hint)


def _aspect(raw: Any) -> Fraction | None:
    match = re.fullmatch(r"\s*(\d+)\s*[:/]\s*(\d+)\s*", str(raw))
    if not match or int(match[1]) == 0 or int(match[2]) == 0:
        return None
    return Fraction(int(match[1]), int(match[2]))


def load_profile(project: Project, name: str, video_id: str | None = None) -> Profile:
    """A profile with the catalog's settings for it (project < video), validated."""
    where = f"[profiles.{name}]"
    table: dict[str, Any] = {}
    builtin = BUILTIN_PROFILE.get(name, {})
    # Each call merges one more layer; updating in order merges the profile's own table key by key.
    for vid in (None, video_id) if video_id else (None,):
        layer = project.setting("profiles", vid).get(name, {})
        if not isinstance(layer, dict):
            raise _fail(project, where, "must be a table")
        table.update(layer)
    for key, problem, hint in _profile_table_problems(name, table):
        raise _fail(project, where if key else f"profile {name!r}", problem, hint)
    kwargs: dict[str, Any] = {"name": name, "aspect": BUILTIN_ASPECTS.get(name)}
    if "aspect" in table:
        kwargs["aspect"] = _aspect(table["aspect"])
    for key in ("preset", "crf", "audio_bitrate"):
        if key in table:
            kwargs[key] = table[key]
    kwargs["fit"] = table.get("fit", builtin.get("fit", "pad"))
    kwargs["crop_x"] = float(table.get("crop_x", 0.5))
    kwargs["safe"] = Insets(*(float(table.get(k, builtin.get(k, 0.0))) for k in _SAFE_KEYS))
    kwargs["max_lines"] = table.get("max_lines", builtin.get("max_lines", 2))
    kwargs["max_chars"] = table.get("max_chars", builtin.get("max_chars"))
    kwargs["over_picture"] = table.get("over_picture", True)
    for key in ("width", "height"):
        if key in table:
            kwargs[key] = _even(table[key])
    if "pad_colour" in table:
        kwargs["pad_colour"] = _hex(table["pad_colour"])
    if "style" in table:
        kwargs["style"] = dict(table["style"])
    return Profile(**kwargs)


def _hex(value: Any) -> str | None:
    """``RRGGBB`` in capitals, or None when ``value`` is not a colour."""
    text = str(value).lstrip("#")
    return text.upper() if _HEX.match(text) else None


_FRACTION_RANGES = {"size": (0.01, 0.3), "outline": (0.0, 0.05), "margin_vertical": (0.0, 0.45),
                    "margin_sides": (0.0, 0.45), "box_opacity": (0.0, 1.0)}


def burn_style(project: Project, video_id: str, language: str, profile: Profile) -> BurnStyle:
    """The caption style of one track in one profile: defaults < the profile's built-in sizes <
    ``[style]`` (project, language, video, video+language) < ``[profiles.NAME.style]``."""
    # Sub-tables named after languages are merged by project.setting; any other table is a wrong key.
    settings = project.setting("style", video_id, language)
    values = BUILTIN_STYLE.get(profile.name, {}) | settings | profile.style
    return validate_style(project, values, f"[style] for {video_id} {language} ({profile.name})")


def style_problems(values: dict[str, Any]) -> Iterator[tuple[str | None, str, str | None]]:
    """Every unknown key and bad value of a style table: ``(key, what is wrong, what to do)``."""
    fields = {f.name: f for f in dataclasses.fields(BurnStyle)}
    for key, value in values.items():
        if key not in fields:
            yield key, f"style key {key!r} is not known", f"known style keys: {', '.join(sorted(fields))}"
            continue
        default = fields[key].default
        if isinstance(default, bool):
            if not isinstance(value, bool):
                yield key, f"{key} must be true or false", None
        elif isinstance(default, float):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                yield key, f"{key} must be a number (a fraction of the frame)", None
            else:
                low, high = _FRACTION_RANGES[key]
                if not low <= value <= high:
                    yield key, f"{key} = {value} is outside {low}-{high}", "sizes and margins are fractions of the frame: 0.06 = 6%"
        elif key in ("colour", "outline_colour"):
            if _hex(value) is None:
                yield key, f"{key} {value!r} must be a colour as RRGGBB, e.g. \"FFFFFF\"", None
        elif key == "position":
            if value not in POSITIONS:
                yield key, f"position {value!r} must be one of {', '.join(POSITIONS)}", None
        elif key == "font":
            if not isinstance(value, str) or not value.strip():
                yield key, "font must be a font family name, or \"auto\"", None


def validate_style(project: Project, values: dict[str, Any], where: str) -> BurnStyle:
    """A :class:`BurnStyle` from catalog values, each checked (one clear line for a wrong one)."""
    for _key, problem, hint in style_problems(values):
        raise _fail(project, where, problem, hint)
    clean: dict[str, Any] = {}
    for key, value in values.items():
        if key in ("colour", "outline_colour"):
            value = _hex(value)
        elif key == "font":
            value = value.strip()
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and key in _FRACTION_RANGES:
            value = float(value)
        clean[key] = value
    return BurnStyle(**clean)


def style_fingerprint(style: BurnStyle) -> str:
    """Canonical text of a style (hashed into the inputs of burned-in outputs)."""
    return json.dumps(dataclasses.asdict(style), sort_keys=True)


# -- caption layout per profile -------------------------------------------------------------------------

#: A caption line's height as a fraction of the caption size (libass spaces lines by the font's full height).
LINE_HEIGHT = 1.0


@dataclass(frozen=True)
class LineLayout:
    """How captions are broken into lines in one profile: at most ``max_lines`` lines of ``max_chars``
    visible characters. ``max_chars`` None: the track's own line breaks are kept (the source's frame)."""

    max_chars: int | None
    max_lines: int

    @property
    def rebreaks(self) -> bool:
        return self.max_chars is not None


def line_layout(profile: Profile, style: BurnStyle, language: str | None) -> LineLayout:
    """The line layout of a track in a profile: its ``max_chars``, or what fits the frame's width between
    the safe zone and the margins at the caption size (fixed-aspect profiles; for ``web`` the track's own
    line breaks are kept)."""
    if profile.max_chars is not None or profile.aspect is None:
        return LineLayout(profile.max_chars, profile.max_lines)
    usable = 1.0 - profile.safe.left - profile.safe.right - 2 * style.margin_sides  # of the frame's width
    if style.box:
        usable -= 2 * 0.15 * style.size / float(profile.aspect)  # the box's padding at each side
    found = language_table.profile(language)
    wider = language_table.DEFAULT_MAX_CHARS_PER_LINE / found.max_chars_per_line if found else 1.0
    char = style.size * CHAR_WIDTH * wider * (1.06 if style.bold else 1.0)  # of the frame's height
    return LineLayout(max(8, int(float(profile.aspect) * usable / char)), profile.max_lines)


def rebreak_track(track: Track, layout: LineLayout, language: str | None) -> Track:
    """The track with each cue broken into lines for ``layout`` (cues that already fit are kept as written)."""
    if not layout.rebreaks:
        return track
    assert layout.max_chars is not None
    cues = [cue.with_text("\n".join(layout_lines(cue.text, layout.max_chars, layout.max_lines, language)))
            for cue in track.cues]
    return Track(cues, track.language)


def track_layout(project: Project, video_id: str, language: str, profile: Profile) -> LineLayout:
    """:func:`line_layout` with the track's style from the catalog (what ``check`` and the burn-in use)."""
    return line_layout(profile, burn_style(project, video_id, language, profile), language)


def caption_area(profile: Profile, style: BurnStyle, frame: FrameFit | None,
                 source_size: tuple[int, int] | None) -> tuple[Insets, BurnStyle]:
    """Where captions may go in a profile's frame, and the style that puts them there.

    The safe zone is kept clear; with ``over_picture = false`` captions hang below the picture (in the pad
    or blurred fill), never over its own titles. Raises :class:`ValueError` (with what to change) when the
    room below the picture cannot hold ``max_lines`` lines.
    """
    area = profile.safe
    if profile.over_picture or frame is None or source_size is None:
        return area, style
    if frame.fit == "crop":
        raise ValueError(f"profile {profile.name}: over_picture = false needs fit = \"pad\" or \"blur\" "
                         "(a cropped picture fills the frame)")
    _x, y, _w, h = frame.picture_box(*source_size)
    below = (y + h) / frame.height
    room = 1.0 - area.bottom - below - style.margin_vertical
    needed = profile.max_lines * style.size * LINE_HEIGHT
    if room < needed:
        raise ValueError(f"profile {profile.name}: {room:.0%} of the frame is left below the picture, and "
                         f"{profile.max_lines} caption lines need {needed:.0%} (over_picture = false)")
    return dataclasses.replace(area, top=below), dataclasses.replace(style, position="top")


def burned_layouts(project: Project, video_id: str, language: str) -> list[tuple[str, LineLayout]]:
    """The line layouts a track is re-broken for, one per profile the video is built in that re-breaks."""
    out = []
    for name in profile_names(project, video_id):
        layout = track_layout(project, video_id, language, load_profile(project, name, video_id))
        if layout.rebreaks:
            out.append((name, layout))
    return out
