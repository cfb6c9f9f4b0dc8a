"""Output kinds: what a build makes of each video, one module per kind (see :mod:`pipeline.outputs.base`,
which explains how to add one).

Per video, in ``dist/<video>/``:
  ``<video>.<lang>.burned-in[.<profile>].mp4``  captions in the picture, per profile (:mod:`.burned_in`)
  ``<video>.<lang>.vtt``                       WebVTT sidecar for web players (:mod:`.webvtt`)
  ``<video>.<lang>.srt``                       SRT sidecar for upload to social platforms (:mod:`.srt`)
  ``<video>.subtitled.mp4`` / ``.mkv``         every language as a switchable track (:mod:`.soft`)
  ``<video>.poster[.<profile>].jpg``           a still of the video per profile (:mod:`.poster`)
  ``<video>.web.mp4``                          H.264/AAC for browsers, when the source is not (:mod:`.web_mp4`)
  ``index.html``                               the web player page (:mod:`.player`)
  ``<video>.m3u8`` + ``<video>.hls-<id>/``       HLS package, with ``[render] hls = true`` (:mod:`.hls`)
"""

from __future__ import annotations

# Importing these registers the kinds, in this order (the order a video's jobs are planned and listed in).
from pipeline.outputs import burned_in  # noqa: F401,I001
from pipeline.outputs import webvtt  # noqa: F401
from pipeline.outputs import srt  # noqa: F401
from pipeline.outputs import soft  # noqa: F401
from pipeline.outputs import poster  # noqa: F401
from pipeline.outputs import web_mp4  # noqa: F401
from pipeline.outputs import player  # noqa: F401  (it lists the files of the kinds above)
from pipeline.outputs import hls  # noqa: F401  (opt-in; after the page, which does not offer it)
from pipeline.outputs.base import (
    DRAFT_BANNER, KINDS, PIPELINE_INPUT, WORK, FfmpegKind, OutputKind, PlannedTrack, RenderJob, TextKind, VideoPlan,
    materialize, prepare_job, register,
)

__all__ = [
    "DRAFT_BANNER", "KINDS", "PIPELINE_INPUT", "WORK", "FfmpegKind", "OutputKind", "PlannedTrack",
    "RenderJob", "TextKind", "VideoPlan", "materialize", "prepare_job", "register",
]
