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
from typing import Any, Iterator

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
    if languages.is_known(name) and name not in BUILTIN_ASPECTS:
        yield None, "is a language code", "give the profile another name"
    for key in sorted(set(table) - _PROFILE_KEYS):
        yield key, f"unknown key {key!r}", f"known keys: {', '.join(sorted(_PROFILE_KEYS))}"
    if "aspect" in table and _aspect(table["aspect"]) is None:
        yield "aspect", f"aspect {table['aspect']!r} must look like \"9:16\"", None
    if "fit" in table and table["fit"] not in FITS:
        yield "fit", f"fit {table['fit']!r} must be \"pad\" or \"crop\"", None
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
    for key in ("fit", "preset", "crf", "audio_bitrate"):
        if key in table:
            kwargs[key] = table[key]
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
