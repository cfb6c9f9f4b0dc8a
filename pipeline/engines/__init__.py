"""Translation engines behind one small interface (:class:`Engine`): installed OPUS-MT and NLLB models
and Argos packages run by CTranslate2, Apertium from Debian, and pivots through English or Spanish.
Nothing heavy is imported here."""

from pipeline.engines.base import Engine, PairInfo, PivotEngine
from pipeline.engines.registry import (AUTO_ORDER, ENGINE_CHOICES, available_pairs, check_language, forget_engines,
                                       select_engine)

__all__ = ["Engine", "PairInfo", "PivotEngine", "AUTO_ORDER", "ENGINE_CHOICES", "available_pairs", "check_language",
           "forget_engines", "select_engine"]
