"""The language-model parser: a small instruction model, LoRA-tuned on synthetic requests, reads a
search request and answers in a short line format that this module turns into a `ParsedQuery`.

Why a line format and not JSON: every generated token costs tens of milliseconds on a CPU, and
JSON's quotes, brackets and key names would triple the answer. The model writes

    rec
    title: alien
    less: gory

(the intent, then one `key: value` line per thing the request names) and `answer_read` expands it
into the API's JSON contract. Titles and names are copied as typed ("godfathr") and resolved here
by the gazetteer, so typos and remakes are handled the same way for every parser.

Genres, excluded genres and decades are a closed vocabulary that the lexicon reads exactly
(lexicon.py), so they are not part of the answer: a model trained to write them (the first
version of this format) added genres nobody asked for ("tarantino" -> Thriller). Catalog people
named in full in the request are added by the gazetteer when the model missed them.

What the model writes is never trusted: an answer that breaks the format is rejected as a whole and
the request goes to the fallback parser (the non-LLM baseline), with the reason logged; a title,
name or phrase that does not occur in the request (a hallucination, or an instruction smuggled into
the request) is dropped; everything else passes the contract's checks (`ParsedQuery.from_labels`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from recommender.engine.llm.client import LLM, Conversation
from recommender.engine.query.baseline import (
    ALSO_WANTS_MOVIES,
    WANTS_MOVIES,
    add_title,
    just_words,
    rule_ask,
    title_question,
)
from recommender.engine.query.gazetteer import Gazetteer, title_variants
from recommender.engine.query.lexicon import decades_in, genres_in
from recommender.engine.query.schema import ASKS, INTENTS, ParsedQuery, TitleRef
from recommender.engine.query.words import edit_distance, fold, typo_budget

logger = logging.getLogger(__name__)

SYSTEM = "Parse this movie-site search request."
# Keys in the order the model writes them. Roles are keys of their own: "director: michael mann".
PEOPLE_KEYS = {"director": "director", "cast": "cast", "writer": "writer", "person": None}
KEYS = ("ask", "title", *PEOPLE_KEYS, "theme", "plot", "less", "more")
MAX_ANSWER_TOKENS = 64  # the longest training answer is about 40 tokens
_TITLE_YEAR = re.compile(r"^(.*?)\s*\(((?:18|19|20)\d\d)\)$")


class AnswerError(ValueError):
    """The model's answer is not in the line format."""


def conversation(text: str) -> Conversation:
    """The prompt of the fine-tuned parser: a one-line instruction and the request as typed."""
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": text}]


def answer_for(labels: dict) -> str:
    """The answer the model is taught for a synthetic request's labels (synth.py): spans as typed."""
    lines = [labels["intent"]]
    if labels.get("ask"):
        lines.append(f"ask: {labels['ask']}")
    for title in labels["titles"]:
        year = title.get("typed_year")
        lines.append(f"title: {title.get('span') or title['title']}" + (f" ({year})" if year else ""))
    for person in labels["people"]:
        lines.append(f"{person['role'] or 'person'}: {person.get('span') or person['name']}")
    constraints = labels["constraints"]
    lines += [f"theme: {theme}" for theme in labels["themes"]]
    lines += [f"plot: {labels['plot']}"] if labels.get("plot") else []
    lines += [f"less: {word}" for word in constraints["less"]]
    lines += [f"more: {word}" for word in constraints["more"]]
    return "\n".join(lines)


def answer_read(output: str) -> dict:
    """The labels in a model's answer, as written (spans not yet checked against the request).

    Raises AnswerError when the answer does not start with an intent. A later line that is not
    `key: value` with a known key is not read (it lands in "unread"); an ask outside ASKS reads as
    "other". Everything read is checked against the request afterwards."""
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    if not lines or lines[0] not in INTENTS:
        raise AnswerError(f"the answer does not start with an intent ({'/'.join(INTENTS)}): {output[:60]!r}")
    read: dict = {"intent": lines[0], "ask": None, "titles": [], "people": [], "themes": [], "plot": None,
                  "less": [], "more": [], "unread": []}  # fmt: skip
    for line in lines[1:]:
        key, colon, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if not colon or key not in KEYS or not value:
            read["unread"].append(line[:80])
        elif key == "ask":
            read["ask"] = value if value in ASKS else "other"
        elif key == "title":
            match = _TITLE_YEAR.match(value)
            read["titles"].append((match.group(1), int(match.group(2))) if match else (value, None))
        elif key in PEOPLE_KEYS:
            read["people"].append((value, PEOPLE_KEYS[key]))
        elif key == "plot":
            read["plot"] = value
        else:
            read[{"theme": "themes"}.get(key, key)].append(value)
    return read


def span_in(span: str, request: str) -> bool:
    """Does the span occur in the request, as words, allowing the typos the gazetteer allows?"""
    wanted, words = fold(span), fold(request).split()
    if not wanted:
        return False
    if f" {wanted} " in f" {' '.join(words)} ":
        return True
    size, budget = len(wanted.split()), typo_budget(wanted)
    return budget > 0 and any(
        edit_distance(" ".join(words[start : start + width]), wanted, budget) <= budget
        for width in {size - 1, size, size + 1} - {0}
        for start in range(len(words) - width + 1)
    )


@dataclass
class Reading:
    """One request read by the model: the parse, the raw answer, and what was refused or dropped."""

    parse: ParsedQuery
    answer: str
    error: str = ""  # why the answer was refused and the fallback parsed instead; "" when it was used
    dropped: list[str] = field(default_factory=list)  # spans not in the request or not in the catalog


class LLMParser:
    """Text -> ParsedQuery through a language model; the fallback parser whenever the answer is unusable.

    `few_shot=True` is the untuned base model's prompt (instructions and worked examples), kept to
    measure what fine-tuning adds; the tuned model gets only `conversation(text)`.
    """

    def __init__(self, llm: LLM, gazetteer: Gazetteer, fallback, *, few_shot: bool = False) -> None:
        self.llm, self.gazetteer, self.fallback, self.few_shot = llm, gazetteer, fallback, few_shot
        self.name = f"llm:{llm.name}" + ("+few-shot" if few_shot else "")

    def parse(self, text: str) -> ParsedQuery:
        return self.read_many([text])[0].parse

    def parse_many(self, texts: list[str]) -> list[ParsedQuery]:
        return [reading.parse for reading in self.read_many(texts)]

    def read_many(self, texts: Sequence[str]) -> list[Reading]:
        prompts = [few_shot_conversation(text) if self.few_shot else conversation(text) for text in texts]
        answers = self.llm.generate(prompts, max_new_tokens=MAX_ANSWER_TOKENS, repetition_penalty=1.0)
        readings: list[Reading | None] = []
        refused: dict[int, str] = {}
        for index, (text, answer) in enumerate(zip(texts, answers, strict=True)):
            try:
                readings.append(self.reading(text, answer))
            except ValueError as exc:
                logger.info("query parser answer refused (%s); the fallback parses %r", exc, text[:80])
                readings.append(None)
                refused[index] = str(exc)[:200]
        if refused:  # one batch for the fallback (its classifier encodes the texts together)
            fallback = self.fallback.parse_many([texts[index] for index in refused])
            for (index, error), parse in zip(refused.items(), fallback, strict=True):
                readings[index] = Reading(parse, answers[index], error=error)
        return readings

    def reading(self, text: str, answer: str) -> Reading:
        """The parse of one answer; ValueError when the format is broken."""
        read = answer_read(answer)
        dropped: list[str] = list(read["unread"])

        def grounded(span: str) -> bool:
            if span_in(span, text):
                return True
            dropped.append(span)
            return False

        # Titles: those the gazetteer's scan finds (typo-tolerant, with its checks for everyday words),
        # plus the titles the model points at (exact, or a typo of a title that is not everyday words:
        # `resolve_pointed`) that are not part of a title the scan found ("puppet master" inside
        # "puppet master 4"). Chosen on 400 validation requests with version 1: the scan alone title
        # F1 0.991; scan + exact model spans + any typo-tolerant span in a question 0.963 (the model
        # calls "drops" and "romace" titles); this rule keeps the scan's score and lets the model add
        # a title typed with no cue ("when did godfathr come out").
        scanned = self.gazetteer.find_titles(text)
        titles = [TitleRef(movie.id, movie.title, movie.year) for movie, _ in scanned]
        scanned_words = [f" {variant} " for movie, _ in scanned for variant in title_variants(movie.title)]
        people = []
        for span, year in read["titles"]:
            inside_scanned = any(f" {fold(span)} " in variant for variant in scanned_words)
            movie = self.gazetteer.resolve_pointed(span, year) if grounded(span) and not inside_scanned else None
            person = None if movie or inside_scanned or span in dropped else self.gazetteer.people.exact.get(fold(span))
            if movie is not None:
                titles.append(TitleRef(movie.id, movie.title, movie.year))
            elif person:  # a name written as a title ("like Donald Sutherland"): the person it is
                people.append({"name": person[0], "role": None})
            elif span not in dropped and not inside_scanned:
                dropped.append(span)
        for span, role in read["people"]:
            name = self.gazetteer.resolve_person(span) if grounded(span) else None
            movie = None if name or span in dropped else self.gazetteer.resolve_mention(span)
            if name is not None:
                people.append({"name": name, "role": role})
            elif movie is not None:  # a title written as a name: the movie it is
                titles.append(TitleRef(movie.id, movie.title, movie.year))
            elif span not in dropped:
                dropped.append(span)
        named = {person["name"] for person in people}
        in_request = self.gazetteer.find_people(text, [title.title for title in titles])
        people += [{"name": name, "role": None} for name in in_request if name not in named]
        wanted, excluded = genres_in(text, [variant for title in titles for variant in title_variants(title.title)])
        intent, ask = self.settled_intent(text, read["intent"], read["ask"], titles, people, wanted)
        labels = {
            "intent": intent, "ask": ask, "people": people,
            "genres": wanted, "decades": decades_in(text),
            "themes": [theme for theme in read["themes"] if grounded(theme)],
            "plot": read["plot"] if read["plot"] and grounded(read["plot"]) else None,
            "constraints": {
                "exclude_genres": excluded,
                "less": [word for word in read["less"] if grounded(word)],
                "more": [word for word in read["more"] if grounded(word)],
            },
        }  # fmt: skip
        return Reading(ParsedQuery.from_labels(labels, titles), answer, dropped=dropped)

    def settled_intent(self, text: str, intent: str, ask: str | None, titles: list, people: list, wanted: list):
        """(intent, ask) after rules for request shapes the model misreads when it never saw them
        (each chosen on the synthetic validation split, version 1: intent macro-F1 0.926 -> 0.979
        on 600 requests). `titles` gains the movie of a "<title> <what is asked>" request."""
        question = title_question(self.gazetteer, text)
        if question:  # "great escape writer pls", "andre egnre": a question whatever the model answered
            add_title(titles, question[0])
            return "non_rec", question[1]
        bare_name = bool(people) and bool(self.gazetteer.people.exact.get(just_words(text)))
        if intent == "non_rec" and not titles and (ask in ("lookup", "chat") and (people or wanted) or bare_name):
            # Naming people or genres and asking nothing about them ("tom shadyac", "heist pls") is a
            # search for their movies; so is a name alone, whatever the model says is asked ("glynis johns").
            return "rec", None
        if intent == "non_rec" and ask != "lookup" and ALSO_WANTS_MOVIES.search(text.lower()):
            return "rec", ask  # a question and a request for movies: both are answered, the ask kept
        if intent == "non_rec" and len(titles) == 1 and self.is_just_a_title(text):
            return "non_rec", "lookup"  # "good will huntin", "shawshank": someone looking for that movie
        if intent == "non_rec" and ask == "other":
            ask = rule_ask(text, intent, bare_title=False)  # the words may say ("how do half stars work")
        if ask == "lookup" and not titles:
            # A lookup of nothing in the catalog: a request for movies if its words say so ("need
            # something for date niight"), else the model's "not a search" stands ("'; DROP TABLE
            # movies; --") and what is asked is read from the words.
            if WANTS_MOVIES.search(fold(text)):
                return "rec", None
            return "non_rec", rule_ask(text, "non_rec", bare_title=False)
        return intent, ask

    def is_just_a_title(self, text: str) -> bool:
        return self.gazetteer.is_whole_title(text) or self.gazetteer.resolve_pointed(just_words(text)) is not None


# --- the untuned base model's prompt (the ablation row) ------------------------------------------

FEW_SHOT_SYSTEM = (
    "You parse what people type into a movie site's search box. First line: rec if they want movie "
    "recommendations, else non_rec. Then one line per item, each 'key: value', keys: ask (for non_rec: "
    f"{', '.join(ASKS)}), title, director, cast, writer, person, theme, plot, less, more. Copy titles and names "
    "as typed. Nothing else."
)
FEW_SHOT_EXAMPLES = (
    ("anything like the matrix but less violent?", "rec\ntitle: the matrix\nless: violent"),
    ("who starred in Jaws", "non_rec\nask: cast\ntitle: Jaws"),
    ("scary movies from the 70s with a haunted house", "rec\ntheme: haunted house"),
    ("films directed by kathryn bigelow", "rec\ndirector: kathryn bigelow"),
    ("how do i reset my password", "non_rec\nask: site"),
    ("a movie about time travel", "rec\ntheme: time travel"),
)


def few_shot_conversation(text: str) -> Conversation:
    turns: Conversation = [{"role": "system", "content": FEW_SHOT_SYSTEM}]
    for request, answer in FEW_SHOT_EXAMPLES:
        turns += [{"role": "user", "content": request}, {"role": "assistant", "content": answer}]
    return [*turns, {"role": "user", "content": text}]
