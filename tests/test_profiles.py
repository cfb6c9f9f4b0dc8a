"""Output profiles (frame, fit, codec settings) and caption style from the catalog, and real renders
checked with ffprobe and pixels: captions inside the title-safe area of the output frame."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from conftest import ffprobe_json
from imaging import gray, ink_box
from pipeline.build import BuildOptions, run_build
from pipeline.errors import CatalogError
from pipeline.media.commands import BurnStyle, FrameFit
from pipeline.profiles import Profile, burn_style, load_profile, profile_names
from pipeline.project import load_project

LONG = [(0.5, 2.5, "Survivors deserve to be heard, believed\nand supported by everyone around them.")]


def project_with(make_project, extra: str, **kwargs):
    root = make_project(videos={}, catalog_extra=extra, **kwargs)
    return load_project(root, explicit=True)


def test_frames_of_the_built_in_profiles():
    assert Profile("web").frame(640, 360) is None  # the picture passes unchanged
    assert Profile("square", Fraction(1)).frame(640, 360) == FrameFit(360, 360)
    assert Profile("vertical", Fraction(9, 16)).frame(640, 360) == FrameFit(360, 640)
    assert Profile("vertical", Fraction(9, 16), fit="crop").frame(1280, 720) == FrameFit(720, 1280, "crop")
    assert Profile("vertical", Fraction(9, 16)).frame(360, 640) == FrameFit(360, 640)  # already vertical
    assert Profile("portrait", Fraction(4, 5)).frame(640, 360) == FrameFit(360, 450)
    assert Profile("vertical", Fraction(9, 16), width=1080).frame(640, 360) == FrameFit(1080, 1920)
    assert Profile("square", Fraction(1), height=500).frame(640, 360) == FrameFit(500, 500)
    assert Profile("web", height=240).frame(640, 360) == FrameFit(426, 240)
    assert Profile("web", width=1280, height=720).frame(640, 360) == FrameFit(1280, 720)


def test_profiles_from_the_catalog(make_project):
    project = project_with(make_project, (
        '[profiles]\nbuild = ["web", "vertical", "portrait"]\n'
        '[profiles.vertical]\nfit = "crop"\ncrf = 26\npreset = "faster"\npad_colour = "#102030"\n'
        '[profiles.vertical.style]\nsize = 0.05\n'
        '[profiles.portrait]\naspect = "4:5"\n'))
    assert profile_names(project) == ["web", "vertical", "portrait"]
    vertical = load_profile(project, "vertical")
    assert (vertical.fit, vertical.crf, vertical.preset, vertical.pad_colour) == ("crop", 26, "faster", "102030")
    assert vertical.encoding.crf == 26
    assert load_profile(project, "portrait").aspect == Fraction(4, 5)
    assert profile_names(project_with(make_project, "", dirname="plain")) == ["web"]


@pytest.mark.parametrize("extra,message", [
    ('[profiles.vertical]\nfit = "stretch"\n', 'fit \'stretch\' must be "pad", "blur" or "crop"'),
    ('[profiles.vertical]\nsafe_bottom = 0.6\n', "safe_bottom must be a fraction of the frame from 0 to 0.45"),
    ('[profiles.vertical]\ncrop_x = -1\n', "crop_x must be a fraction of the frame from 0 to 1"),
    ('[profiles.vertical]\nmax_lines = 0\n', "max_lines must be a whole number from 1 to 6"),
    ('[profiles.vertical]\nmax_chars = "wide"\n', "max_chars must be a whole number from 8 to 120"),
    ('[profiles.vertical]\nover_picture = "no"\n', "over_picture must be true or false"),
    ('[profiles.vertical]\nsharpness = 3\n', "unknown key 'sharpness'"),
    ('[profiles.vertical]\ncrf = 70\n', "crf must be a whole number from 0 to 51"),
    ('[profiles.vertical]\npreset = "turbo"\n', "preset 'turbo' is not an x264 preset"),
    ('[profiles.vertical]\nwidth = 7\n', "width must be a whole number of pixels"),
    ('[profiles.story]\nfit = "pad"\n', "[profiles.story]: is not a built-in profile and has no aspect"),
    ('[profiles.story]\naspect = "tall"\n', "aspect 'tall' must look like \"9:16\""),
])
def test_bad_profiles_are_one_clear_error(make_project, extra, message):
    """Found when the catalog is loaded, with the line: not at build time."""
    root = make_project(videos={}, catalog_extra=extra)
    with pytest.raises(CatalogError) as caught:
        load_project(root, explicit=True)
    assert message in str(caught.value)
    line = 4 + next((i for i, text in enumerate(extra.splitlines()) if "=" in text and text.split()[0] in message),
                    0)
    assert str(caught.value).startswith(f"{root / 'assets' / 'catalog.toml'}:{line}: [profiles.")


def test_style_precedence_per_language_and_profile(make_project):
    project = project_with(make_project, (
        '[style]\nsize = 0.07\nbox = true\n'
        '[style.ar]\ncolour = "FFE000"\nposition = "top"\n'
        '[profiles.vertical.style]\nmargin_sides = 0.12\n'))
    web, vertical, square = (load_profile(project, n) for n in ("web", "vertical", "square"))
    en = burn_style(project, "x", "en", web)
    assert (en.size, en.box, en.colour, en.position) == (0.07, True, "FFFFFF", "bottom")
    ar = burn_style(project, "x", "ar", web)
    assert (ar.size, ar.colour, ar.position) == (0.07, "FFE000", "top")
    assert burn_style(project, "x", "ar", vertical).margin_sides == 0.12
    # The catalog's size wins over a profile's built-in size; without it the profile's applies.
    assert burn_style(project, "x", "en", square).size == 0.07
    plain = project_with(make_project, "", dirname="plain")
    assert burn_style(plain, "x", "en", load_profile(plain, "vertical")).size == 0.034
    assert burn_style(plain, "x", "en", load_profile(plain, "web")) == BurnStyle()


@pytest.mark.parametrize("extra,message", [
    ('[style]\nsize = 2\n', "size = 2 is outside 0.01-0.3"),
    ('[style]\ncolour = "white"\n', "colour 'white' must be a colour as RRGGBB"),
    ('[style]\nposition = "left"\n', "position 'left' must be one of bottom, middle, top"),
    ('[style]\nbox = "yes"\n', "box must be true or false"),
    ('[style]\nshadow = 2\n', "style key 'shadow' is not known"),
])
def test_bad_styles_are_one_clear_error(make_project, extra, message):
    root = make_project(videos={}, catalog_extra=extra)
    with pytest.raises(CatalogError) as caught:
        load_project(root, explicit=True)
    assert str(caught.value).startswith(f"{root / 'assets' / 'catalog.toml'}:5: [style]: {message}")


def test_margins_reach_the_ink_of_any_frame():
    style = BurnStyle(margin_vertical=0.1, margin_sides=0.1, outline=0.01)
    fields = dict(f.split("=", 1) for f in style.force_style("Noto Sans", (360, 640)).split(","))
    # libass script units: 288 high, 384 wide; the outline is added so the ink stays inside.
    assert fields["MarginV"] == str(round((0.1 + 0.01) * 288))
    assert fields["MarginL"] == str(round((0.1 * 360 + 0.01 * 640) * 384 / 360))
    assert "Encoding" not in fields
    assert "Encoding=-1" in style.force_style(rtl=True)


def caption_box(path, frame_size, at=1.5, before=0.1):
    """Ink of the caption: the frame with a cue minus the same (uniform) picture before it starts."""
    diff = np.abs(gray(path, at) - gray(path, before))
    return ink_box(diff, 0.25)


def assert_title_safe(box, width, height, bottom=True):
    assert box is not None, "no caption drawn"
    x0, y0, x1, y1 = box
    tolerance = 2  # x264 blurs an edge by a pixel or two
    assert x0 >= 0.1 * width - tolerance and x1 <= 0.9 * width + tolerance, (box, width)
    assert y0 >= 0.1 * height - tolerance and y1 <= 0.9 * height + tolerance, (box, height)
    if bottom:
        assert y1 >= 0.8 * height, box  # sits on the bottom margin


@pytest.mark.slow
def test_square_and_vertical_renders_fit_the_picture_and_keep_captions_title_safe(make_project):
    root = make_project(videos={"talk": {"tracks": {"en": LONG}}}, size="640x360", catalog_extra=(
        '[profiles]\nbuild = ["web", "square", "vertical"]\n[profiles.vertical]\nfit = "crop"\ncrf = 20\n'))
    result = run_build(load_project(root, explicit=True), None, BuildOptions(jobs=2))
    assert not result.failures
    out = root / "dist/talk"
    sizes = {}
    for name in ("talk.en.burned-in.mp4", "talk.en.burned-in.square.mp4", "talk.en.burned-in.vertical.mp4"):
        video = [s for s in ffprobe_json(out / name)["streams"] if s["codec_type"] == "video"][0]
        sizes[name] = (video["width"], video["height"])
        assert video["codec_name"] == "h264" and video.get("sample_aspect_ratio", "1:1") in ("1:1", "0:1")
    assert sizes == {"talk.en.burned-in.mp4": (640, 360), "talk.en.burned-in.square.mp4": (360, 360),
                     "talk.en.burned-in.vertical.mp4": (360, 640)}

    square = gray(out / "talk.en.burned-in.square.mp4", 0.1)
    source = gray(root / "assets/talk.mp4", 0.1)
    # Padded: black bars above and below the whole picture, the picture itself in the middle.
    assert square[:60].max() < 0.1 and square[-60:].max() < 0.1
    assert abs(square[180, 180] - source[180, 320]) < 0.05
    # Cropped: the picture fills the frame, no bars.
    vertical = gray(out / "talk.en.burned-in.vertical.mp4", 0.1)
    assert abs(vertical - source[180, 320]).max() < 0.05

    for name, (w, h) in sizes.items():
        if name.endswith("vertical.mp4"):  # inside its safe zone, on its bottom edge (tests/test_publishing.py)
            x0, y0, x1, y1 = caption_box(out / name, (w, h))
            assert x0 >= 0.06 * w and x1 <= 0.85 * w and 0.76 * h <= y1 <= 0.80 * h, (x0, y0, x1, y1)
        else:
            assert_title_safe(caption_box(out / name, (w, h)), w, h)


@pytest.mark.slow
def test_box_and_top_position(make_project):
    root = make_project(videos={"talk": {"tracks": {"en": LONG}}}, size="640x360",
                        catalog_extra='[style]\nbox = true\nposition = "top"\nbox_opacity = 1.0\n')
    assert not run_build(load_project(root, explicit=True), None, BuildOptions()).failures
    path = root / "dist/talk/talk.en.burned-in.mp4"
    box = caption_box(path, (640, 360))
    assert_title_safe(box, 640, 360, bottom=False)
    x0, y0, x1, y1 = box
    assert y1 < 180  # top half
    frame = gray(path, 1.5)
    # An opaque black box: most of the caption's area is dark, not the picture's blue.
    region = frame[y0:y1 + 1, x0:x1 + 1]
    assert (region < 0.1).mean() > 0.4
