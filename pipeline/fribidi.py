"""What libass draws for a line of caption text, found with the library libass shapes it with: FriBidi.

ffmpeg's ``subtitles`` filter has no ``shaping`` option and never sets one, so its libass runs with
``ASS_SHAPING_SIMPLE`` (0, the value of the filter's zeroed context), not HarfBuzz: libass gives each
character a font face, then rewrites the text with ``fribidi_shape`` (Arabic presentation forms, the
mandatory lam-alef ligatures, mirrored brackets in right-to-left runs) and looks each rewritten code
point up in the face of the character it replaced. A lam-alef pair becomes the ligature followed by
U+FEFF, FriBidi's fill character, so a face without U+FEFF in its cmap draws a box after every ``لا``
(Noto Sans Arabic has none; Noto Naskh Arabic has it). Calling the same libfribidi through ctypes, with the
same flags and paragraph direction as libass 0.17, predicts those code points exactly.

This module is the only user of libfribidi (Debian ``libfribidi0``, a dependency of libass). Nothing is
loaded at import time.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import unicodedata
from typing import Sequence

from pipeline.errors import PipelineError

#: fribidi-flags.h: FRIBIDI_FLAGS_DEFAULT | FRIBIDI_FLAGS_ARABIC, what libass's shape_fribidi() passes.
_FLAG_SHAPE_MIRRORING = 0x1
_FLAG_REORDER_NSM = 0x2
_FLAG_SHAPE_ARAB_PRES = 0x100
_FLAG_SHAPE_ARAB_LIGA = 0x200
_FLAG_REMOVE_SPECIALS = 0x40000
_LIBASS_FLAGS = (_FLAG_SHAPE_MIRRORING | _FLAG_REORDER_NSM | _FLAG_REMOVE_SPECIALS
                 | _FLAG_SHAPE_ARAB_PRES | _FLAG_SHAPE_ARAB_LIGA)
#: fribidi-bidi-types.h paragraph directions: libass uses ON (found from the text) for Encoding=-1, else LTR.
_PAR_LTR = 0x110
_PAR_ON = 0x40
#: The character FriBidi puts where the alef of a lam-alef ligature was.
FILL = "\ufeff"
#: Bidi classes that make part of a paragraph right to left. Without any, and laid out left to right,
#: FriBidi changes nothing (no joining script, nothing to mirror): no need to ask it.
_RTL_CLASSES = frozenset({"R", "AL", "AN", "RLE", "RLO", "RLI"})


class FribidiError(PipelineError):
    """libfribidi (the library libass shapes text with) cannot be loaded."""


@functools.lru_cache(maxsize=1)
def _library() -> ctypes.CDLL:
    name = ctypes.util.find_library("fribidi") or "libfribidi.so.0"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        raise FribidiError("libfribidi was not found: the glyph check needs it to know what libass draws",
                           hint="install it: apt-get install libfribidi0 (ffmpeg's libass depends on it)") from None
    u32p, u8p = ctypes.POINTER(ctypes.c_uint32), ctypes.POINTER(ctypes.c_uint8)
    levels = ctypes.POINTER(ctypes.c_int8)
    lib.fribidi_get_bidi_types.argtypes = [u32p, ctypes.c_int, u32p]
    lib.fribidi_get_bidi_types.restype = None
    # Called on one line of a longer buffer at a time: addresses, not typed arrays.
    lib.fribidi_get_par_embedding_levels_ex.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, u32p,
                                                        ctypes.c_void_p]
    lib.fribidi_get_par_embedding_levels_ex.restype = ctypes.c_int8
    lib.fribidi_get_joining_types.argtypes = [u32p, ctypes.c_int, u8p]
    lib.fribidi_get_joining_types.restype = None
    lib.fribidi_join_arabic.argtypes = [u32p, ctypes.c_int, levels, u8p]
    lib.fribidi_join_arabic.restype = None
    lib.fribidi_shape.argtypes = [ctypes.c_uint32, levels, ctypes.c_int, u8p, u32p]
    lib.fribidi_shape.restype = None
    return lib


def _needs_fribidi(line: str, rtl: bool) -> bool:
    return bool(line) and (rtl or not line.isascii() and any(unicodedata.bidirectional(c) in _RTL_CLASSES
                                                             for c in line))


def libass_drawn(line: str, rtl: bool) -> str:
    """The code points libass looks up in the font for one line (one bidi paragraph) of caption text.

    The result has the same length as ``line``: position *i* holds what libass draws for character *i*,
    in the face libass chose for that character (a presentation form, :data:`FILL` then the lam-alef
    ligature, a mirrored bracket, or the character itself). ``rtl`` is a track burned with
    ``Encoding=-1`` (paragraph direction from the text); otherwise libass lays lines out left to right.
    """
    return libass_drawn_lines([line], rtl)[0]


def libass_drawn_lines(lines: Sequence[str], rtl: bool) -> list[str]:
    """:func:`libass_drawn` of many lines in one FriBidi pass (each line its own paragraph: a line
    break is a paragraph separator to FriBidi, never joined, never mirrored)."""
    todo = [line for line in lines if _needs_fribidi(line, rtl)]
    if not todo:
        return list(lines)
    lib = _library()
    joined = "\n".join(todo)
    n = len(joined)
    text = (ctypes.c_uint32 * n).from_buffer_copy(joined.encode("utf-32-le"))
    types = (ctypes.c_uint32 * n)()
    lib.fribidi_get_bidi_types(text, n, types)
    levels = (ctypes.c_int8 * n)()
    start = 0
    for line in todo:
        direction = ctypes.c_uint32(_PAR_ON if rtl else _PAR_LTR)
        # No bracket types: libass passes none unless a script asks for bidi brackets (SRT never does).
        lib.fribidi_get_par_embedding_levels_ex(ctypes.addressof(types) + start * 4, None, len(line),
                                                ctypes.byref(direction), ctypes.addressof(levels) + start)
        start += len(line) + 1
    joins = (ctypes.c_uint8 * n)()
    lib.fribidi_get_joining_types(text, n, joins)
    lib.fribidi_join_arabic(types, n, levels, joins)
    lib.fribidi_shape(_LIBASS_FLAGS, levels, n, joins, text)
    shaped = iter(bytes(text).decode("utf-32-le").split("\n"))
    return [next(shaped) if _needs_fribidi(line, rtl) else line for line in lines]
