"""The interpreter the settings ask for: embedded (default) or a Rasa server."""

from __future__ import annotations

from bot.settings import Settings
from index.embedders import Embedder
from index.geo import default_gazetteer
from index.query import default_lexicon
from index.when import Clock, wall_clock
from nlu.embedded import EmbeddedInterpreter
from nlu.interpretation import Interpreter
from nlu.rasa_backend import RasaInterpreter


def make_interpreter(
    settings: Settings, embedder: Embedder, clock: Clock = wall_clock
) -> Interpreter:
    if settings.nlu_backend == "rasa":
        if not settings.rasa_url:
            raise ValueError("NLU_BACKEND=rasa needs RASA_URL, e.g. http://127.0.0.1:5005")
        return RasaInterpreter(settings.rasa_url)
    if settings.nlu_backend not in ("embedded", ""):
        raise ValueError(f"NLU_BACKEND={settings.nlu_backend!r}: use 'embedded' or 'rasa'")
    return EmbeddedInterpreter.trained(
        embedder,
        settings.data_dir / "nlu",
        gazetteer=default_gazetteer(),
        lexicon=default_lexicon(),
        clock=clock,
    )
