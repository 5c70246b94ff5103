"""Knowledge entries: one plain-language answer in Slovenian and English, with the ways people
ask for it, the catalogue topics it leads to and the official source that confirms it. Read from
YAML and checked whole: a bad entry names its file and field."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

AREAS = ("slovenian", "digital")
LANGUAGES = ("sl", "en")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,60}$")  # fits a 64-byte button: "kb:<id>"
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$")
REQUIRED = ("id", "area", "title", "questions", "answer", "topics", "source", "written")
OPTIONAL = ("next_step",)
MIN_QUESTIONS = 3
MAX_ANSWER_CHARS = 1500  # a plain answer fits one Telegram message with room to spare
# NUL (PostgreSQL stores no text holding it) and lone surrogates (YAML's "\ud800"; no encoding
# can write them, so the embedder cannot read them) are refused, not stored
_NOT_STORABLE = re.compile("[\x00\ud800-\udfff]")


WHOLE_FILE, WHOLE_ENTRY = "(file)", "(entry)"  # the "field" of a fault that is no one field's


def N_(message: str) -> str:
    """Marks a problem for the catalogues (babel.cfg); the bot translates it when it shows it."""
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:
    """Marks a problem with a number, {n}, whose words follow the number (four forms in sl)."""
    return singular, plural


class EntryError(ValueError):
    """A knowledge entry that cannot be used: where, which field, and the problem as a message id
    of the catalogues with its parameters, so that each front says it in its reader's language.
    str() is the English text, for logs and the command line."""

    def __init__(
        self, where: str, field: str, message: str | tuple[str, str], **params: object
    ) -> None:
        self.where, self.field, self.message, self.params = where, field, message, params
        if isinstance(message, tuple):
            message = message[0] if params["n"] == 1 else message[1]
        self.problem = message.format(**params)
        super().__init__(f"{where}, field '{field}': {self.problem}")


@dataclass(frozen=True)
class KnowledgeEntry:
    id: str
    area: str
    title: dict[str, str]
    questions: tuple[str, ...]
    answer: dict[str, str]
    topics: tuple[str, ...]
    source_name: str
    source_url: str
    written: date
    next_step: dict[str, str]

    def as_yaml_dict(self) -> dict[str, Any]:
        """The entry as its YAML file holds it."""
        data: dict[str, Any] = {
            "id": self.id,
            "area": self.area,
            "title": dict(self.title),
            "questions": list(self.questions),
            "answer": dict(self.answer),
        }
        if self.next_step:
            data["next_step"] = dict(self.next_step)
        data["topics"] = list(self.topics)
        data["source"] = {"name": self.source_name, "url": self.source_url}
        data["written"] = self.written.isoformat()
        return data

    def to_yaml(self) -> str:
        return dump_yaml(self.as_yaml_dict())

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["written"] = self.written.isoformat()
        data["questions"], data["topics"] = list(self.questions), list(self.topics)
        return data


def _storable(where: str, field: str, text: str) -> str:
    found = _NOT_STORABLE.search(text)
    if found is not None:
        raise EntryError(
            where,
            field,
            N_("holds a character that cannot be stored ({char})"),
            char=f"U+{ord(found.group()):04X}",
        )
    return text


def _bilingual(where: str, field: str, value: Any, required: bool = True) -> dict[str, str]:
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise EntryError(where, field, N_("must have a Slovenian (sl) and an English (en) text"))
    extra = set(value) - set(LANGUAGES)
    if extra:
        raise EntryError(where, f"{field}.{sorted(extra)[0]}", N_("only sl and en are kept here"))
    out = {}
    for lang in LANGUAGES:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            raise EntryError(where, f"{field}.{lang}", N_("is missing or empty"))
        out[lang] = _storable(where, f"{field}.{lang}", text.strip())
    return out


def parse_entry(data: Any, where: str) -> KnowledgeEntry:
    """An entry from its YAML mapping; raises EntryError naming the field at fault."""
    if not isinstance(data, dict):
        raise EntryError(where, WHOLE_ENTRY, N_("must be a mapping of fields"))
    unknown = set(data) - set(REQUIRED) - set(OPTIONAL)
    if unknown:
        raise EntryError(where, sorted(unknown)[0], N_("is not a field of an entry"))
    for name in REQUIRED:
        if data.get(name) in (None, "", [], {}):
            raise EntryError(where, name, N_("is missing"))
    entry_id = data["id"]
    if not isinstance(entry_id, str) or not _ID.match(entry_id):
        raise EntryError(
            where,
            "id",
            N_("{value} must be a-z, 0-9 and '-' (2–61 characters)"),
            value=repr(entry_id),
        )
    if data["area"] not in AREAS:
        raise EntryError(
            where,
            "area",
            N_("{value} is not one of {choices}"),
            value=repr(data["area"]),
            choices=", ".join(AREAS),
        )
    questions = data["questions"]
    if not isinstance(questions, list) or not all(
        isinstance(q, str) and q.strip() for q in questions
    ):
        raise EntryError(where, "questions", N_("must be a list of non-empty texts"))
    for question in questions:
        _storable(where, "questions", question)
    if len(questions) < MIN_QUESTIONS:
        raise EntryError(
            where,
            "questions",
            Nn_("needs at least {n} way of asking", "needs at least {n} ways of asking"),
            n=MIN_QUESTIONS,
        )
    answer = _bilingual(where, "answer", data["answer"])
    for lang, text in answer.items():
        if len(text) > MAX_ANSWER_CHARS:
            raise EntryError(
                where,
                f"answer.{lang}",
                Nn_(
                    "is {n} character long; keep it to {limit} or fewer",
                    "is {n} characters long; keep it to {limit} or fewer",
                ),
                n=len(text),
                limit=MAX_ANSWER_CHARS,
            )
    topics = data["topics"]
    if not isinstance(topics, list) or not all(isinstance(t, str) and t.strip() for t in topics):
        raise EntryError(where, "topics", N_("must be a list of catalogue topics"))
    for topic in topics:
        _storable(where, "topics", topic)
    source = data["source"]
    if not isinstance(source, dict) or not str(source.get("name") or "").strip():
        raise EntryError(where, "source.name", N_("is missing"))
    _storable(where, "source.name", str(source["name"]))
    url = _storable(where, "source.url", str(source.get("url") or ""))
    if not _URL.match(url):
        raise EntryError(where, "source.url", N_("{value} is not a web address"), value=repr(url))
    written = data["written"]
    if isinstance(written, str):
        try:
            written = date.fromisoformat(written)
        except ValueError as error:
            raise EntryError(
                where,
                "written",
                N_("{value} is not a date (YYYY-MM-DD)"),
                value=repr(written),
            ) from error
    if not isinstance(written, date):
        raise EntryError(where, "written", N_("must be a date (YYYY-MM-DD)"))
    return KnowledgeEntry(
        id=entry_id,
        area=data["area"],
        title=_bilingual(where, "title", data["title"]),
        questions=tuple(q.strip() for q in questions),
        answer=answer,
        topics=tuple(t.strip() for t in topics),
        source_name=str(source["name"]).strip(),
        source_url=url,
        written=written,
        next_step=_bilingual(where, "next_step", data.get("next_step"), required=False),
    )


def _load(text: str, where: str) -> Any:
    """The YAML document of a file; a nesting deeper than the parser recurses is refused."""
    try:
        return yaml.safe_load(text)
    except RecursionError:
        raise EntryError(where, WHOLE_FILE, N_("is nested too deeply")) from None


def parse_yaml(text: str, where: str) -> KnowledgeEntry:
    try:
        data = _load(text, where)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        if mark is None:
            raise EntryError(where, WHOLE_FILE, N_("is not valid YAML")) from error
        raise EntryError(
            where, WHOLE_FILE, N_("is not valid YAML (line {line})"), line=mark.line + 1
        ) from error
    return parse_entry(data, where)


def load_directory(directory: Path) -> list[KnowledgeEntry]:
    """Every entry of a directory, all or nothing: ids unique and equal to the file names."""
    entries: list[KnowledgeEntry] = []
    seen: dict[str, str] = {}
    for path in sorted(directory.glob("*.yaml")):
        entry = parse_yaml(path.read_text(encoding="utf-8"), path.name)
        if entry.id != path.stem:
            raise EntryError(
                path.name, "id", N_("{value} differs from the file name"), value=repr(entry.id)
            )
        if entry.id in seen:
            raise EntryError(
                path.name,
                "id",
                N_("{value} is also in {other}"),
                value=repr(entry.id),
                other=seen[entry.id],
            )
        seen[entry.id] = path.name
        entries.append(entry)
    return entries


def load_outside(path: Path) -> list[str]:
    """Questions no entry answers ("none of ours"), to keep the bot from answering them."""
    if not path.exists():
        return []
    return parse_outside(path.read_text(encoding="utf-8"), path.name)


def parse_outside(text: str, where: str) -> list[str]:
    try:
        data = _load(text, where)
    except yaml.YAMLError as error:
        raise EntryError(where, WHOLE_FILE, N_("is not valid YAML")) from error
    questions = data.get("questions") if isinstance(data, dict) else None
    if not isinstance(questions, list) or not all(
        isinstance(q, str) and q.strip() for q in questions
    ):
        raise EntryError(where, "questions", N_("must be a list of non-empty texts"))
    return [q.strip() for q in questions]


class _Literal(str):
    """A text written as a YAML block, line by line."""


def _literal(dumper: yaml.SafeDumper, value: _Literal) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Literal, _literal)


def dump_yaml(data: dict[str, Any]) -> str:
    """YAML as a person edits it: fields in order, long texts as blocks, č š ž as they are."""

    def blocks(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: blocks(v) for k, v in value.items()}
        if isinstance(value, list):
            return [blocks(v) for v in value]
        if isinstance(value, str) and "\n" in value:
            return _Literal(value)
        return value

    return yaml.dump(blocks(data), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
