"""Everything that touches ffmpeg. ``runner`` is the one door; ``probe`` and ``commands`` use it."""
