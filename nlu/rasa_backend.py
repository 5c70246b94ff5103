"""The Rasa backend (NLU_BACKEND=rasa): a Rasa 3.6 server's /model/parse, trained from the same
data by `make rasa-model`. When the server cannot be reached, messages are treated as searches."""

from __future__ import annotations

import logging

import httpx

from index.language import LanguageDetector, SmallWords
from index.sanitise import query_text
from nlu.interpretation import FALLBACK_INTENT, Entity, Interpretation

log = logging.getLogger(__name__)
RASA_FALLBACK = "nlu_fallback"


class RasaInterpreter:
    def __init__(
        self, url: str, timeout: float = 5.0, languages: LanguageDetector | None = None
    ) -> None:
        self.url = url.rstrip("/")
        self.languages = languages or SmallWords()
        self._client = httpx.Client(base_url=self.url, timeout=timeout)

    def parse(self, text: str) -> Interpretation:
        text = query_text(text)
        guess = self.languages.detect(text)
        language = guess.language
        try:
            answer = self._client.post("/model/parse", json={"text": text})
            answer.raise_for_status()
            data = answer.json()
        except (httpx.HTTPError, ValueError) as error:
            log.warning(
                "Rasa at %s did not answer (%s); treating the message as a search",
                self.url,
                type(error).__name__,
            )
            return Interpretation(
                text, FALLBACK_INTENT, 0.0, language=language, language_sure=guess.sure
            )
        intent = data.get("intent") or {}
        name = intent.get("name") or FALLBACK_INTENT
        confidence = float(intent.get("confidence") or 0.0)
        if name == RASA_FALLBACK:
            name, confidence = FALLBACK_INTENT, 0.0
        ranking = [
            (str(item.get("name")), float(item.get("confidence") or 0.0))
            for item in data.get("intent_ranking") or []
        ]
        entities = [
            Entity(str(item.get("entity")), str(item.get("value")), str(item.get("value")))
            for item in data.get("entities") or []
            if item.get("entity") and item.get("value") is not None
        ]
        return Interpretation(
            text, name, confidence, ranking, entities, language, language_sure=guess.sure
        )

    def close(self) -> None:
        self._client.close()
