"""The interpreter the settings ask for: embedded (default) or a Rasa server."""

from __future__ import annotations

from bot.settings import Settings
from index.embedders import Embedder
from index.geo import default_gazetteer
from index.query import default_lexicon
from nlu.embedded import EmbeddedInterpreter
from nlu.interpretation import Interpreter


def make_interpreter(settings: Settings, embedder: Embedder) -> Interpreter:
    if settings.nlu_backend not in ("embedded", ""):
        raise ValueError(
            f"NLU_BACKEND={settings.nlu_backend!r}: this version has the embedded interpreter only"
        )
    return EmbeddedInterpreter.trained(
        embedder,
        settings.data_dir / "nlu",
        gazetteer=default_gazetteer(),
        lexicon=default_lexicon(),
    )
