"""Fonts per script, glyph coverage before burning, and right-to-left captions checked against an
independent shaping-aware rendering (HarfBuzz + the font's outlines, rasterized by librsvg)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import EN_CUES
from imaging import find_boxes, gray, ink_box, similarity
from pipeline import fonts
from pipeline.build import BuildOptions, plan_build, run_build
from pipeline.cli import cli
from pipeline.media import commands
from pipeline.model import Cue, Track
from pipeline.preview import preview_frame
from pipeline.project import load_project
from pipeline.outputs.burned_in import rtl_text

AR = "الناجون يستحقون أن يُسمعوا."  # "Survivors deserve to be heard."
#: The line of issue 15 ("Online abuse is never the child's fault."): two lam-alefs (لإ).
ISSUE_15_LINE = "الإساءة عبر الإنترنت ليست أبدًا خطأ الطفل."
HE = "לשורדים מגיע שישמעו אותם."  # the same in Hebrew


def track(text: str, lang: str = "en") -> Track:
    return Track([Cue(0, 1000, text, line=1)], lang)


def installed(family: str) -> fonts.FontChoice:
    found = fonts.installed_family(family)
    if found is None:
        pytest.skip(f"{family} is not installed")
    return found


# -- scripts and font choice ------------------------------------------------------------------------

def test_scripts_of_characters():
    assert fonts.char_script("a") == "latin" and fonts.char_script("ж") == "cyrillic"
    assert fonts.char_script("λ") == "greek" and fonts.char_script("ب") == "arabic"
    assert fonts.char_script("ש") == "hebrew" and fonts.char_script("ह") == "devanagari"
    assert fonts.char_script("字") == "cjk" and fonts.char_script("か") == "cjk"
    assert fonts.char_script("ُ") == "arabic"  # a combining mark belongs to its script
    for shared in ("1", ".", " ", "«", "€", "\u0301", "\u200f"):
        assert fonts.char_script(shared) is None
    scripts = fonts.track_scripts(Track([Cue(0, 1, "<i>WeProtect</i> " + AR)]))
    assert scripts.most_common(1)[0][0] == "arabic" and scripts["latin"] == len("WeProtect")
    assert fonts.is_rtl(track(AR)) and fonts.is_rtl(track(HE)) and not fonts.is_rtl(track("Hola"))


@pytest.mark.parametrize("lang,text,family", [
    ("en", "Survivors deserve to be heard.", "Noto Sans"),
    ("ru", "Выжившие заслуживают, чтобы их услышали.", "Noto Sans"),
    ("el", "Οι επιζώντες αξίζουν να ακουστούν.", "Noto Sans"),
    ("ar", AR, "Noto Naskh Arabic"),
    ("he", HE, "Noto Sans Hebrew"),
    ("hi", "पीड़ितों की बात सुनी जानी चाहिए।", "Noto Sans Devanagari"),
])
def test_font_per_script_covers_every_character(lang, text, family):
    installed(family)
    t = track(text, lang)
    chosen = fonts.choose_fonts(t, lang)
    assert chosen.primary.family == family
    assert chosen.rtl == (lang in ("ar", "he"))
    fonts.check_glyphs(t, chosen, f"{lang}.srt")  # no error
    # The fonts cover the text (read independently of the choice, straight from the files' cmaps).
    from fontTools.ttLib import TTFont

    cmaps = [set(TTFont(str(f.file), fontNumber=f.index, lazy=True).getBestCmap()) for f in chosen.faces]
    assert all(any(ord(ch) in m for m in cmaps) for ch in text if ch != " ")


def test_mixed_scripts_get_a_font_each_and_cjk_follows_the_language():
    chosen = fonts.choose_fonts(track("WeProtect " + AR, "ar"), "ar")
    assert chosen.primary.family == "Noto Naskh Arabic"
    assert [f.family for f in chosen.others] == ["Noto Sans"]
    assert len(chosen.files) == 2
    installed("Noto Sans CJK JP")
    assert fonts.choose_fonts(track("声を聞く", "ja"), "ja").primary.family == "Noto Sans CJK JP"
    assert fonts.choose_fonts(track("倾听幸存者", "zh"), "zh").primary.family == "Noto Sans CJK SC"


def test_missing_glyphs_are_one_clear_error_with_characters_and_cues():
    t = Track([Cue(0, 1, "Fine text", line=1), Cue(1, 2, "Odd \ue000 and \uf8ff", line=5),
               Cue(2, 3, "again \ue000", line=9)], "en")
    chosen = fonts.choose_fonts(t, "en")
    with pytest.raises(fonts.FontError) as caught:
        fonts.check_glyphs(t, chosen, "subtitles/v/en.srt")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("subtitles/v/en.srt:5: Noto Sans (NotoSans-Regular.ttf) has no glyph for ")
    assert "'\\ue000' U+E000 (cues 2, 3)" in message
    assert "U+F8FF (cue 2)" in message
    assert "[style.<lang>] font" in message


def test_a_named_font_must_be_installed():
    with pytest.raises(fonts.FontError, match="font 'No Such Face' is not installed"):
        fonts.choose_fonts(track("Hello"), "en", "No Such Face")
    assert fonts.choose_fonts(track("Hello"), "en", "DejaVu Sans").primary.family == "DejaVu Sans"


# -- what libass draws, not only what the cue holds (issue 15) ------------------------------------------

def test_libass_shaping_puts_u_feff_after_every_lam_alef():
    """ffmpeg's subtitles filter runs libass with FriBidi shaping: presentation forms, the lam-alef
    ligature with U+FEFF in the alef's place, mirrored brackets in right-to-left text."""
    from pipeline.fribidi import FILL, libass_drawn

    for pair, ligature in (("لا", "\ufefb"), ("لإ", "\ufef9"), ("لأ", "\ufef7"), ("لآ", "\ufef5")):
        assert libass_drawn("\u200f" + pair, rtl=True)[1:] == FILL + ligature
    drawn = libass_drawn("\u200fقال (نعم)", rtl=True)
    assert drawn[1:4] == "\ufed7\ufe8e\ufedd"  # initial, final alef, isolated lam: presentation forms
    assert drawn[5] == ")" and drawn[-1] == "("  # mirrored in a right-to-left run
    latin = "Fëmijët, «Ребёнок», supraviețuitorii (2024)"
    assert libass_drawn(latin, rtl=False) == latin
    # A track is shaped in one FriBidi pass, each line its own paragraph: the same as line by line.
    from pipeline.fribidi import libass_drawn_lines

    lines = ["\u200fلا (نعم)", "2024 (x) لا", "", "abc", "\u200fWeProtect لعام 2024", latin]
    for rtl in (True, False):
        assert libass_drawn_lines(lines, rtl) == [libass_drawn(line, rtl) for line in lines]


def test_glyph_check_names_the_cue_and_the_character_libass_inserts():
    """Noto Sans Arabic holds every character of the cue but not U+FEFF, which libass draws after every
    lam-alef ligature: the check refuses it, naming the cue, the character and a word where it happens."""
    installed("Noto Sans Arabic")
    t = Track([Cue(0, 1, "الناجون يستحقون", line=1), Cue(1, 2, "الإساءة ليست خطأ الطفل", line=5)], "ar")
    chosen = fonts.choose_fonts(t, "ar", "Noto Sans Arabic")
    with pytest.raises(fonts.FontError) as caught:
        fonts.check_glyphs(t, chosen, "subtitles/v/ar.srt")
    assert str(caught.value).startswith(
        "subtitles/v/ar.srt:5: Noto Sans Arabic (NotoSansArabic-Regular.ttf) has no glyph for '\\ufeff' U+FEFF "
        "(cue 2), which libass draws after the lam-alef ligature, as in «الإساءة»")
    # A face without presentation forms is refused for the forms libass looks up in it.
    installed("Noto Kufi Arabic")
    kufi = fonts.choose_fonts(t, "ar", "Noto Kufi Arabic")
    with pytest.raises(fonts.FontError, match=r"libass's shaped form of 'ن' U\+0646, as in «الناجون»"):
        fonts.check_glyphs(t, kufi, "subtitles/v/ar.srt")
    # Chosen automatically, the Arabic face draws all of it.
    auto = fonts.choose_fonts(t, "ar")
    fonts.check_glyphs(t, auto, "subtitles/v/ar.srt")
    assert 0xFEFF in fonts.cmap(auto.primary.file)


def test_auto_choice_skips_a_preferred_family_that_would_draw_boxes(monkeypatch):
    """The first family of a script's list that draws everything libass draws is chosen."""
    installed("Noto Sans Arabic")
    monkeypatch.setitem(fonts.SCRIPT_FAMILIES, "arabic", ("Noto Sans Arabic", "Noto Naskh Arabic"))
    assert fonts.choose_fonts(track("الناجون يستحقون", "ar"), "ar").primary.family == "Noto Sans Arabic"
    assert fonts.choose_fonts(track("لا", "ar"), "ar").primary.family == "Noto Naskh Arabic"


def test_characters_libass_skips_need_no_glyph_and_a_no_break_space_needs_its_own():
    """Bidi marks, joiners and U+FEFF typed in the text are dropped by libass (no box even when the font
    lacks them); a no-break space is drawn with the glyph of U+00A0 in the face of the space."""
    he = installed("Noto Sans Hebrew")
    assert 0x200B not in fonts.cmap(he.file) and 0xFEFF not in fonts.cmap(he.file)
    t = track("שלום\u200bעולם \ufeffשלום\u200e", "he")
    fonts.check_glyphs(t, fonts.choose_fonts(t, "he"), "he.srt")
    assert [d.glyph for d in fonts.drawn_text(track("a\u00a0b"), rtl=False)] == ["a", "\u00a0", "b"]


def test_sizes_are_corrected_for_tall_fonts():
    latin = installed("Noto Sans")
    arabic = installed("Noto Sans Arabic")
    assert fonts.size_scale(latin.file) == 1.0
    assert 1.4 < fonts.size_scale(arabic.file) < 1.7  # libass would draw it at 2/3 the size otherwise


def test_fonts_are_passed_to_libass_explicitly(make_project):
    root = make_project(videos={"talk": {"tracks": {"ar": [(0.2, 2.0, "WeProtect " + AR)]}}},
                        human_languages=("en", "es", "ar"))
    plan = plan_build(load_project(root, explicit=True))
    job = next(j for j in plan.to_build if j.kind == "burned-in")
    argv = " ".join(job.argv).replace("\\", "")  # without ffmpeg-python's filter escaping
    assert "FontName=Noto Naskh Arabic" in argv and "Encoding=-1" in argv
    assert f"fontsdir={job.spec.caption.fonts_dir}" in argv
    assert sorted(p.name for p in job.font_links) == ["NotoNaskhArabic-Regular.ttf", "NotoSans-Regular.ttf"]
    assert {k for k in job.inputs if k.startswith("font:")} == {"font:NotoSans-Regular.ttf",
                                                                "font:NotoNaskhArabic-Regular.ttf"}


@pytest.mark.slow
def test_build_refuses_a_track_with_missing_glyphs(make_project):
    root = make_project(videos={"talk": {"tracks": {"en": EN_CUES, "es": [(0.2, 2.8, "Texto con \ue000")]}}})
    result = CliRunner().invoke(cli, ["--project", str(root), "build"])
    assert result.exit_code == 1
    assert "failed: talk burned-in es: subtitles/talk/es.srt:1: Noto Sans (NotoSans-Regular.ttf) has no glyph " \
           "for '\\ue000' U+E000 (cue 1)" in result.output
    assert (root / "dist/talk/talk.en.burned-in.mp4").is_file()
    assert not (root / "dist/talk/talk.es.burned-in.mp4").exists()
    assert (root / "dist/talk/talk.es.vtt").is_file()  # a sidecar is drawn by the player's fonts


# -- right to left, checked against an independent rendering ----------------------------------------

def shaped_svg(text: str, primary: Path, fallback: Path, em: float = 64.0, shape: bool = True) -> str:
    """An RTL paragraph drawn without libass: HarfBuzz shapes each run (in the font that has its
    characters), runs are laid out right to left, glyph outlines come from fontTools."""
    import uharfbuzz as hb
    from fontTools.pens.svgPathPen import SVGPathPen
    from fontTools.pens.transformPen import TransformPen
    from fontTools.ttLib import TTFont

    faces = {}
    for path in (primary, fallback):
        tt = TTFont(str(path))
        faces[path] = (hb.Font(hb.Face(hb.Blob.from_file_path(str(path)))), tt, set(tt.getBestCmap()))
    runs: list[tuple[Path, str]] = []
    for ch in text:
        path = primary if ord(ch) in faces[primary][2] or ch == " " else fallback
        if runs and runs[-1][0] == path and shape:
            runs[-1] = (path, runs[-1][1] + ch)
        else:
            runs.append((path, ch))  # unshaped: every letter alone, in its isolated form
    x, paths = 0.0, []
    for path, run in reversed(runs):  # a right-to-left paragraph: the first run is rightmost
        font, tt, _ = faces[path]
        glyphs, order = tt.getGlyphSet(), tt.getGlyphOrder()
        scale = em / tt["head"].unitsPerEm
        buf = hb.Buffer()
        buf.add_str(run)
        buf.guess_segment_properties()
        buf.direction = "rtl"
        hb.shape(font, buf, {})
        for info, pos in zip(buf.glyph_infos, buf.glyph_positions):
            pen = SVGPathPen(glyphs)
            glyphs[order[info.codepoint]].draw(TransformPen(pen, (scale, 0, 0, -scale, 20 + x + pos.x_offset * scale,
                                                                  em * 1.6 - pos.y_offset * scale)))
            if pen.getCommands():
                paths.append(f'<path d="{pen.getCommands()}"/>')
            x += pos.x_advance * scale
    width, height = int(x) + 40, int(em * 2.4)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
            f'<rect width="100%" height="100%" fill="black"/><g fill="white">{"".join(paths)}</g></svg>')


def rasterize(svg: str, folder: Path, name: str) -> np.ndarray:
    src = folder / f"{name}.svg"
    src.write_text(svg, encoding="utf-8")
    png = folder / f"{name}.png"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(src), str(png)], check=True)  # librsvg
    return gray(png)


def caption_ink(frame: np.ndarray, background: np.ndarray) -> np.ndarray:
    """What the caption added to the picture (bottom half only)."""
    ink = np.abs(frame - background)
    ink[: ink.shape[0] // 2] = 0
    return ink


@pytest.mark.slow
@pytest.mark.parametrize("lang,text,family", [("ar", AR, "Noto Naskh Arabic"), ("he", HE, "Noto Sans Hebrew")])
def test_rtl_caption_matches_an_independent_shaping_aware_rendering(make_project, tmp_path, lang, text, family):
    pytest.importorskip("uharfbuzz")
    primary, fallback = installed(family).file, installed("Noto Sans").file
    root = make_project(videos={"talk": {"tracks": {lang: [(0.0, 3.0, text)]}, "audio_language": lang}},
                        size="960x320", catalog_extra='[style]\nsize = 0.1\noutline = 0.0\n',
                        human_languages=("en", "es", lang))
    project = load_project(root, explicit=True)
    background = gray(root / "assets/talk.mp4", 1.0)

    def pipeline_ink(name: str) -> np.ndarray:
        png = preview_frame(project, "talk", lang, 1.0, tmp_path / f"{name}.png")
        return caption_ink(gray(png), background)

    got = pipeline_ink("pipeline")
    reference = rasterize(shaped_svg(text, primary, fallback), tmp_path, "reference")
    score = similarity(got, reference)
    assert score > 0.85, score

    # The check fails on wrong renderings of the same words:
    # reversed text (made by the same pipeline) ...
    (root / "subtitles/talk" / f"{lang}.srt").write_text(f"1\n00:00:00,000 --> 00:00:03,000\n{text[::-1]}\n",
                                                         encoding="utf-8")
    reversed_score = similarity(pipeline_ink("reversed"), reference)
    assert reversed_score < 0.5, reversed_score
    # ... the sentence laid out left to right, full stop on the right (libass without Encoding=-1) ...
    (root / "subtitles/talk" / f"{lang}.srt").write_text(f"1\n00:00:00,000 --> 00:00:03,000\n{text}\n",
                                                         encoding="utf-8")
    style = commands.BurnStyle(size=0.1, outline=0.0)
    fonts_dir = tmp_path / "fonts"
    fonts_dir.mkdir()
    for f in (primary, fallback):
        (fonts_dir / f.name).symlink_to(f)
    ltr = tmp_path / "ltr.png"
    subprocess.run(["ffmpeg", "-v", "error", "-ss", "1", "-copyts", "-i", str(root / "assets/talk.mp4"), "-vf",
                    f"subtitles=filename={root / 'subtitles/talk' / (lang + '.srt')}:fontsdir={fonts_dir}:force_style='"
                    + style.force_style(family, (960, 320), rtl=False, size_scale=fonts.size_scale(primary)) + "'",
                    "-frames:v", "1", str(ltr)], check=True)
    ltr_score = similarity(caption_ink(gray(ltr), background), reference)
    assert ltr_score < 0.6, (ltr_score, score)
    # ... and, for Arabic, letters drawn unjoined (no shaping).
    if lang == "ar":
        unshaped = rasterize(shaped_svg(text, primary, fallback, shape=False), tmp_path, "unshaped")
        unshaped_score = similarity(got, unshaped)
        assert unshaped_score < 0.5, unshaped_score

    # The burned-in video the build publishes shows the same caption (through x264).
    result = run_build(project, None, BuildOptions(jobs=1))
    assert not result.failures
    burned = gray(root / "dist/talk" / f"talk.{lang}.burned-in.mp4", 1.0)
    burned_score = similarity(caption_ink(burned, background), reference)
    assert burned_score > 0.85, burned_score


# -- the Arabic sample line, from pixels (issue 15) -------------------------------------------------------

@pytest.mark.slow
def test_the_arabic_sample_line_renders_without_a_box(make_project, tmp_path):
    root = make_project(videos={"talk": {"tracks": {"ar": [(0.0, 3.0, ISSUE_15_LINE)]}, "audio_language": "ar"}},
                        size="1280x240", catalog_extra='[style]\nsize = 0.2\noutline = 0.0\n')
    project = load_project(root, explicit=True)
    background = gray(root / "assets/talk.mp4", 1.0)
    png = preview_frame(project, "talk", "ar", 1.0, tmp_path / "ar.png")  # the burned-in output's filter chain
    ink = caption_ink(gray(png), background)
    assert ink_box(ink, 0.5) is not None
    assert find_boxes(ink) == []

    # The font chosen before, drawn by the same filter in the same style, shows a box per lam-alef:
    # the detector sees boxes at this size.
    sans = installed("Noto Sans Arabic")
    fonts_dir = tmp_path / "fonts"
    fonts_dir.mkdir()
    (fonts_dir / sans.file.name).symlink_to(sans.file)
    srt = tmp_path / "ar.srt"
    srt.write_text(rtl_text(f"1\n00:00:00,000 --> 00:00:03,000\n{ISSUE_15_LINE}\n"), encoding="utf-8")
    caption = commands.Caption(srt, commands.BurnStyle(size=0.2, outline=0.0), sans.family, fonts_dir, True,
                               fonts.size_scale(sans.file))
    before = tmp_path / "before.png"
    subprocess.run(commands.caption_frame(root / "assets/talk.mp4", 1.0, caption, before, source_size=(1280, 240)),
                   check=True, capture_output=True)
    assert len(find_boxes(caption_ink(gray(before), background))) == 2

    # Asked for by name, that font is refused before anything is drawn, naming the cue and the character.
    named = make_project(videos={"talk": {"tracks": {"ar": [(0.0, 3.0, ISSUE_15_LINE)]}, "audio_language": "ar"}},
                         dirname="named", catalog_extra='[style.ar]\nfont = "Noto Sans Arabic"\n')
    with pytest.raises(fonts.FontError, match=r"^subtitles/talk/ar.srt:1: Noto Sans Arabic .* U\+FEFF \(cue 1\), "
                                              r"which libass draws after the lam-alef ligature, as in «الإساءة»"):
        preview_frame(load_project(named, explicit=True), "talk", "ar", 1.0, tmp_path / "named.png")


def test_build_names_the_cue_and_character_before_any_encode(make_project):
    """A font that would draw a box fails its burned-in output in the build's plan: the dry run already says
    which cue and which character; the build makes everything else and not that video."""
    root = make_project(videos={"talk": {"tracks": {"ar": [(0.0, 1.0, "الناجون يستحقون"), (1.0, 2.0, "لا")]},
                                         "audio_language": "ar"}},
                        catalog_extra='[style.ar]\nfont = "Noto Sans Arabic"\n', human_languages=("en", "ar"))
    reason = ("subtitles/talk/ar.srt:5: Noto Sans Arabic (NotoSansArabic-Regular.ttf) has no glyph for '\\ufeff' "
              "U+FEFF (cue 2), which libass draws after the lam-alef ligature, as in «لا»")
    dry = CliRunner().invoke(cli, ["--project", str(root), "build", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"would fail    talk/talk.ar.burned-in.mp4  ({reason}" in dry.output
    result = CliRunner().invoke(cli, ["--project", str(root), "build"])
    assert result.exit_code == 1
    assert f"failed: talk burned-in ar: {reason}" in result.output
    assert not (root / "dist/talk/talk.ar.burned-in.mp4").exists()
    assert (root / "dist/talk/talk.ar.vtt").is_file()
