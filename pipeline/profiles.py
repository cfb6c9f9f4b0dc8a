"""Output profiles for burned-in videos and the caption style of each track, from the catalog.

A profile is a frame shape with its codec settings: ``web`` keeps the source's aspect, ``square`` (1:1)
and ``vertical`` (9:16) are for social platforms. The picture is fitted into the frame by padding or
cropping, and captions are laid out on the *output* frame, inside its title-safe area.

Catalog (every key optional)::

    [profiles]
    build = ["web", "square", "vertical"]   # which profiles `pipeline build` makes (default: web)

    [profiles.vertical]
    fit = "crop"            # pad (default: the whole picture, bars around it) | crop (fill the frame)
    width = 1080            # frame size; default from the source (its short side), even numbers
    height = 1920
    pad_colour = "000000"
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
from typing import Any

from pipeline import languages
from pipeline.errors import CatalogError
from pipeline.media.commands import POSITIONS, BurnStyle, Encoding, FrameFit
from pipeline.project import Project

BUILTIN_ASPECTS: dict[str, Fraction | None] = {"web": None, "square": Fraction(1), "vertical": Fraction(9, 16)}
#: Caption size suited to each built-in frame (fractions of its height): a 9:16 frame is narrow, so
#: text sized like a landscape video's would fit a handful of words per line.
BUILTIN_STYLE: dict[str, dict[str, Any]] = {"web": {}, "square": {"size": 0.045}, "vertical": {"size": 0.034}}
DEFAULT_BUILD = ("web",)
FITS = ("pad", "crop")
_PROFILE_KEYS = {"aspect", "fit", "width", "height", "pad_colour", "preset", "crf", "audio_bitrate", "style"}
_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")
_HEX = re.compile(r"^[0-9A-Fa-f]{6}$")


@dataclass(frozen=True)
class Profile:
    """One output shape: frame, fit, codec settings and caption style overrides."""

    name: str
    aspect: Fraction | None = None  # width / height; None = the source's
    fit: str = "pad"
    width: int | None = None
    height: int | None = None
    pad_colour: str = "000000"
    preset: str = "veryfast"
    crf: int = 23
    audio_bitrate: str = "128k"
    style: dict[str, Any] = field(default_factory=dict, compare=False)  # [profiles.NAME.style]

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
        return FrameFit(w, h, self.fit, self.pad_colour)

    def fingerprint(self, source_width: int, source_height: int) -> dict[str, Any]:
        """Everything about the profile that changes the encoded picture (for incremental builds)."""
        fit = self.frame(source_width, source_height)
        return {"frame": dataclasses.asdict(fit) if fit else None, "encoding": dataclasses.asdict(self.encoding)}


def _even(value) -> int:
    return max(2, int(round(float(value) / 2)) * 2)


def _fail(project: Project, where: str, problem: str, hint: str | None = None) -> CatalogError:
    return CatalogError(project.catalog_path, f"{where}: {problem}", hint=hint)


def _parse_aspect(project: Project, where: str, raw: Any) -> Fraction:
    match = re.fullmatch(r"\s*(\d+)\s*[:/]\s*(\d+)\s*", str(raw))
    if not match or int(match[1]) == 0 or int(match[2]) == 0:
        raise _fail(project, where, f"aspect {raw!r} must look like \"9:16\"")
    return Fraction(int(match[1]), int(match[2]))


def profile_names(project: Project, video_id: str | None = None) -> list[str]:
    """The profiles built for a video: ``[profiles] build`` (default ``["web"]``)."""
    raw = project.setting("profiles", video_id).get("build", list(DEFAULT_BUILD))
    if not isinstance(raw, list) or not raw or not all(isinstance(n, str) for n in raw):
        raise _fail(project, "[profiles] build", "must be a list of profile names such as [\"web\", \"vertical\"]")
    return list(dict.fromkeys(raw))


def load_profile(project: Project, name: str, video_id: str | None = None) -> Profile:
    """A profile with the catalog's settings for it (project < video), validated."""
    where = f"[profiles.{name}]"
    table: dict[str, Any] = {}
    # Each call merges one more layer; updating in order merges the profile's own table key by key.
    for vid in (None, video_id) if video_id else (None,):
        layer = project.setting("profiles", vid).get(name, {})
        if not isinstance(layer, dict):
            raise _fail(project, where, "must be a table")
        table.update(layer)
    if name not in BUILTIN_ASPECTS and "aspect" not in table:
        known = ", ".join(BUILTIN_ASPECTS)
        raise _fail(project, f"profile {name!r}", "is not a built-in profile and has no aspect",
                    hint=f"use one of {known}, or add [profiles.{name}] aspect = \"4:5\"")
    if languages.is_known(name) and name not in BUILTIN_ASPECTS:
        raise _fail(project, where, f"{name!r} is a language code", hint="give the profile another name")
    unknown = sorted(set(table) - _PROFILE_KEYS)
    if unknown:
        raise _fail(project, where, f"unknown key {unknown[0]!r}", hint=f"known keys: {', '.join(sorted(_PROFILE_KEYS))}")
    kwargs: dict[str, Any] = {"name": name, "aspect": BUILTIN_ASPECTS.get(name)}
    if "aspect" in table:
        kwargs["aspect"] = _parse_aspect(project, where, table["aspect"])
    if "fit" in table:
        if table["fit"] not in FITS:
            raise _fail(project, where, f"fit {table['fit']!r} must be \"pad\" or \"crop\"")
        kwargs["fit"] = table["fit"]
    for key in ("width", "height"):
        if key in table:
            value = table[key]
            if not isinstance(value, int) or isinstance(value, bool) or not 16 <= value <= 8192:
                raise _fail(project, where, f"{key} must be a whole number of pixels (16-8192)")
            kwargs[key] = _even(value)
    if "pad_colour" in table:
        kwargs["pad_colour"] = _colour(project, where, "pad_colour", table["pad_colour"])
    if "preset" in table:
        if table["preset"] not in _PRESETS:
            raise _fail(project, where, f"preset {table['preset']!r} is not an x264 preset",
                        hint=f"one of {', '.join(_PRESETS)}")
        kwargs["preset"] = table["preset"]
    if "crf" in table:
        if not isinstance(table["crf"], int) or not 0 <= table["crf"] <= 51:
            raise _fail(project, where, "crf must be a whole number from 0 to 51 (23 is x264's default)")
        kwargs["crf"] = table["crf"]
    if "audio_bitrate" in table:
        if not re.fullmatch(r"\d+k", str(table["audio_bitrate"])):
            raise _fail(project, where, "audio_bitrate must look like \"128k\"")
        kwargs["audio_bitrate"] = table["audio_bitrate"]
    if "style" in table:
        if not isinstance(table["style"], dict):
            raise _fail(project, where, "style must be a table: [profiles.NAME.style]")
        kwargs["style"] = dict(table["style"])
    return Profile(**kwargs)


def _colour(project: Project, where: str, key: str, value: Any) -> str:
    text = str(value).lstrip("#")
    if not _HEX.match(text):
        raise _fail(project, where, f"{key} {value!r} must be a colour as RRGGBB, e.g. \"FFFFFF\"")
    return text.upper()


_FRACTION_RANGES = {"size": (0.01, 0.3), "outline": (0.0, 0.05), "margin_vertical": (0.0, 0.45),
                    "margin_sides": (0.0, 0.45), "box_opacity": (0.0, 1.0)}


def burn_style(project: Project, video_id: str, language: str, profile: Profile) -> BurnStyle:
    """The caption style of one track in one profile: defaults < the profile's built-in sizes <
    ``[style]`` (project, language, video, video+language) < ``[profiles.NAME.style]``."""
    # Sub-tables named after languages are merged by project.setting; any other table is a wrong key.
    settings = project.setting("style", video_id, language)
    values = BUILTIN_STYLE.get(profile.name, {}) | settings | profile.style
    return validate_style(project, values, f"[style] for {video_id} {language} ({profile.name})")


def validate_style(project: Project, values: dict[str, Any], where: str) -> BurnStyle:
    """A :class:`BurnStyle` from catalog values, each checked (one clear line for a wrong one)."""
    fields = {f.name: f for f in dataclasses.fields(BurnStyle)}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise _fail(project, where, f"style key {unknown[0]!r} is not known",
                    hint=f"known style keys: {', '.join(sorted(fields))}")
    clean: dict[str, Any] = {}
    for key, value in values.items():
        default = fields[key].default
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise _fail(project, where, f"{key} must be true or false")
        elif isinstance(default, float):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise _fail(project, where, f"{key} must be a number (a fraction of the frame)")
            low, high = _FRACTION_RANGES[key]
            if not low <= value <= high:
                raise _fail(project, where, f"{key} = {value} is outside {low}-{high}",
                            hint="sizes and margins are fractions of the frame: 0.06 = 6%")
            value = float(value)
        elif key in ("colour", "outline_colour"):
            value = _colour(project, where, key, value)
        elif key == "position":
            if value not in POSITIONS:
                raise _fail(project, where, f"position {value!r} must be one of {', '.join(POSITIONS)}")
        elif key == "font":
            if not isinstance(value, str) or not value.strip():
                raise _fail(project, where, "font must be a font family name, or \"auto\"")
            value = value.strip()
        clean[key] = value
    return BurnStyle(**clean)


def style_fingerprint(style: BurnStyle) -> str:
    """Canonical text of a style (hashed into the inputs of burned-in outputs)."""
    return json.dumps(dataclasses.asdict(style), sort_keys=True)
