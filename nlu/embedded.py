"""The embedded interpreter (the default, no server): a softmax classifier over the project's
own query embeddings, trained from nlu/data/nlu.yml, with entities from the gazetteer and the
query reader. The embedding it makes is handed on, so a search does not embed the text again."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.embedders import Embedder
from index.geo import Gazetteer
from index.language import LanguageDetector, SmallWords
from index.query import Lexicon, Understanding, understand
from index.sanitise import query_text
from index.text import words
from index.when import Clock, wall_clock
from nlu.interpretation import Entity, Interpretation
from nlu.training_data import TRAIN_FILE, TrainingData, load_for_training

EPOCHS = 400
LEARNING_RATE = 0.5
L2 = 1e-3


@dataclass
class IntentModel:
    intents: list[str]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: np.ndarray
    data_hash: str

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        logits = ((vectors - self.mean) / self.scale) @ self.weights + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(
            path,
            mean=self.mean,
            scale=self.scale,
            weights=self.weights,
            bias=self.bias,
            meta=np.array(json.dumps({"intents": self.intents, "data_hash": self.data_hash})),
        )

    @classmethod
    def load(cls, path: Path) -> IntentModel:
        with np.load(path) as data:
            meta = json.loads(str(data["meta"]))
            return cls(
                meta["intents"],
                data["mean"],
                data["scale"],
                data["weights"],
                data["bias"],
                meta["data_hash"],
            )


def data_hash(path: Path, embedder: Embedder, knowledge_dir: Path) -> str:
    """Changes when the training file, the knowledge entries (whose questions it learns) or the
    embedder change; the entries' bytes are hashed, not parsed, so a trained start stays fast."""
    digest = hashlib.sha256(path.read_bytes())
    for entry in sorted(knowledge_dir.glob("*.yaml")):
        digest.update(entry.read_bytes())
    digest.update(embedder.name.encode())
    return digest.hexdigest()[:16]


def train(vectors: np.ndarray, labels: list[str], digest: str = "") -> IntentModel:
    """Multinomial logistic regression by full-batch gradient descent (small data, seconds)."""
    intents = sorted(set(labels))
    index = {name: i for i, name in enumerate(intents)}
    y = np.zeros((len(labels), len(intents)))
    y[np.arange(len(labels)), [index[label] for label in labels]] = 1.0
    mean = vectors.mean(axis=0)
    scale = vectors.std(axis=0) + 1e-6
    x = (vectors - mean) / scale
    weights = np.zeros((x.shape[1], len(intents)))
    bias = np.zeros(len(intents))
    for _ in range(EPOCHS):
        logits = x @ weights + bias
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        gradient = (p - y) / len(labels)
        weights -= LEARNING_RATE * (x.T @ gradient + L2 * weights)
        bias -= LEARNING_RATE * gradient.sum(axis=0)
    return IntentModel(intents, mean, scale, weights, bias, digest)


class EmbeddedInterpreter:
    def __init__(
        self,
        embedder: Embedder,
        model: IntentModel,
        gazetteer: Gazetteer | None = None,
        lexicon: Lexicon | None = None,
        clock: Clock = wall_clock,
        languages: LanguageDetector | None = None,
    ) -> None:
        self.embedder = embedder
        self.model = model
        self.gazetteer = gazetteer
        self.lexicon = lexicon
        self.clock = clock  # "this week", "tomorrow" are read against it
        self.languages = languages or SmallWords()

    @classmethod
    def trained(
        cls,
        embedder: Embedder,
        knowledge_dir: Path,
        model_dir: Path | None = None,
        data_file: Path = TRAIN_FILE,
        gazetteer: Gazetteer | None = None,
        lexicon: Lexicon | None = None,
        clock: Clock = wall_clock,
        languages: LanguageDetector | None = None,
    ) -> EmbeddedInterpreter:
        """Load the model trained from `data_file` and the ways of asking the knowledge entries
        in `knowledge_dir` (the city profile's), training it first when the data changed."""
        digest = data_hash(data_file, embedder, knowledge_dir)
        path = model_dir / embedder.name / "intents.npz" if model_dir else None
        if path is not None and path.exists():
            try:
                model = IntentModel.load(path)
                if model.data_hash == digest:
                    return cls(embedder, model, gazetteer, lexicon, clock, languages)
            except (OSError, ValueError, KeyError):
                pass  # a damaged model is trained again
        data = load_for_training(knowledge_dir, data_file)
        vectors = embed_examples(embedder, data)
        model = train(vectors, [e.intent for e in data.examples], digest)
        if path is not None:
            model.save(path)
        return cls(embedder, model, gazetteer, lexicon, clock, languages)

    def parse(self, text: str, vector: np.ndarray | None = None) -> Interpretation:
        text = query_text(text)
        if vector is None:
            vector = self.embedder.embed_queries([text or " "])[0]
        return self.parse_embedded(text, vector)

    def parse_embedded(self, text: str, vector: np.ndarray) -> Interpretation:
        """Everything but the embedding: the part that must stay within a few milliseconds."""
        probabilities = self.model.probabilities(vector.reshape(1, -1))[0]
        order = np.argsort(-probabilities)
        ranking = [(self.model.intents[i], round(float(probabilities[i]), 4)) for i in order]
        understood = understand(text, self.gazetteer, self.lexicon, self.clock())
        place = understood.place
        named = frozenset(words(text)[place.start : place.end]) if place else frozenset()
        language = self.languages.detect(text, named)
        return Interpretation(
            text=text,
            intent=ranking[0][0],
            confidence=ranking[0][1],
            ranking=ranking,
            entities=entities_in(understood, self.lexicon),
            language=language.language,
            language_sure=language.sure,
            vector=vector,
        )


def embed_examples(embedder: Embedder, data: TrainingData) -> np.ndarray:
    texts = [example.text for example in data.examples]
    return np.vstack([embedder.embed_queries(texts[i : i + 32]) for i in range(0, len(texts), 32)])


def entities_in(understood: Understanding, lexicon: Lexicon | None) -> list[Entity]:
    """The entities of a query already read (the gazetteer and the lexicon asked once)."""
    found: list[Entity] = []
    if understood.place is not None:
        found.append(Entity("place", understood.place.place.name))
    if understood.window is not None:
        found.append(Entity("time", understood.window.name))
    found += [Entity("audience", a) for a in sorted(understood.audience)]
    found += [Entity("language", code) for code in sorted(understood.languages)]
    kinds = lexicon.kind_names if lexicon else frozenset()
    found += [Entity("kind" if c in kinds else "topic", c) for c in understood.concepts]
    return found
