"""Fault injection for crash-safety tests: Python imports this at start-up when ``tests/crashkit`` is on
``PYTHONPATH``, so a *real* ``pipeline`` process can be stopped or starved of disk exactly where a test wants.

``PIPELINE_TEST_FAULT=<action>:<op>:<n>[:<flag file>]`` acts on the n-th ``op`` touching a file under a
``subtitles`` folder, where ``op`` is ``replace`` (``os.replace``), ``unlink`` (``os.unlink``) or ``write``
(the first write into a temp file being written):

* ``pause``  — just before it, write the process id to the flag file and sleep (the test kills -9 it);
* ``enospc`` — it fails with "No space left on device", as on a full disk.

Nothing here runs unless the variable is set; the pipeline itself has no test hooks.
"""

import builtins
import errno
import os
import time

_SPEC = os.environ.get("PIPELINE_TEST_FAULT")

if _SPEC:
    _action, _op, _n, *_rest = _SPEC.split(":", 3)
    _target = int(_n)
    _flag = _rest[0] if _rest else None
    _seen = {"replace": 0, "unlink": 0, "write": 0}
    _real_open, _real_replace, _real_unlink = builtins.open, os.replace, os.unlink

    def _hit(kind, path):
        if kind != _op or "subtitles" not in str(path):
            return
        _seen[kind] += 1
        if _seen[kind] != _target:
            return
        if _action == "pause":
            with _real_open(_flag, "w") as fh:
                fh.write(str(os.getpid()))
            time.sleep(600)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    def _replace(src, dst, *args, **kwargs):
        _hit("replace", dst)
        return _real_replace(src, dst, *args, **kwargs)

    def _unlink(path, *args, **kwargs):
        _hit("unlink", path)
        return _real_unlink(path, *args, **kwargs)

    class _Writing:
        """A file being written whose first write meets the fault."""

        def __init__(self, fh, path):
            self._fh, self._path, self._armed = fh, path, True

        def write(self, data):
            if self._armed:
                self._armed = False
                _hit("write", self._path)
            return self._fh.write(data)

        def __getattr__(self, name):
            return getattr(self._fh, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self._fh.close()
            return False

    def _open(file, mode="r", *args, **kwargs):
        fh = _real_open(file, mode, *args, **kwargs)
        if isinstance(file, (str, os.PathLike)) and "w" in mode and ".partial" in os.fspath(file):
            return _Writing(fh, os.fspath(file))
        return fh

    os.replace, os.unlink, builtins.open = _replace, _unlink, _open
