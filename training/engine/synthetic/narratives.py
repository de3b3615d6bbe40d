"""Narrative requests written by a language model from what a user loved, as the Mint seed did
(arXiv 2306.02250): the model reads a few of the user's favourite films (their genres, keywords and
stories, never their titles or people) and writes the first-person request that person might
type. Plain Python: prompts, the check of what came back, and the likelihood filter's choice.

A request is rejected (and written again, sampled) when it names one of the films, names a person
(the prompt gives none, so any is invented), copies the prompt's layout, or is too short or long.
The user's liked films of the split are then scored by the model's likelihood of the request given
each film's document, P(request | film); the films that explain it best are kept as relevant.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from recommender.engine.llm.prompts import MAX_OVERVIEW_CHARS, MovieFacts
from recommender.engine.query.words import everyday, fold, without_article

MIN_WORDS, MAX_WORDS = 8, 90
MAX_SENTENCES = 2
LIKELIHOOD_DOCUMENT_CHARS = 700  # enough for genres, tagline and most of a story; the forward pass stays short
# The reply's first words, given to the writer (see LLM.generate): a 135M model asked for a request
# otherwise drifts into talking about itself; rotated so requests do not all open the same way.
OPENINGS = (
    "I'm in the mood for a film about",
    "I want a movie with",
    "Looking for something",
    "I'd love a film that",
    "Can you find me a movie where",
    "I feel like watching",
)
PROMPT_LABELS = re.compile(r"\b(genres?|keywords?|overview|tagline|film \d|movie \d)\s*:", re.IGNORECASE)
LEADING_LABEL = re.compile(r"^\s*(request|search|query|answer|here is[^:]*)\s*:\s*", re.IGNORECASE)

NARRATIVE_SYSTEM = (
    "You write the message a person types into a movie website's search box to ask for a film. "
    "Write in the first person, casually, in one to three sentences. Describe the mood, themes and "
    "kind of story you want. Never name a film, an actor or a director."
)


def narrative_prompt(movies: Sequence[MovieFacts]) -> list[dict[str, str]]:
    """A few films someone loved, told without titles or people -> their request for more like them."""
    blocks = []
    for number, movie in enumerate(movies, 1):
        lines = [f"Film {number}:"]
        if movie.genres:
            lines.append(f"Genres: {', '.join(movie.genres)}")
        if movie.keywords:
            lines.append(f"Keywords: {', '.join(movie.keywords[:8])}")
        story = _without_names(movie.overview, movie)
        if story:
            lines.append(f"Story: {story[:MAX_OVERVIEW_CHARS]}")
        blocks.append("\n".join(lines))
    return [
        {"role": "system", "content": NARRATIVE_SYSTEM},
        {
            "role": "user",
            "content": "\n\n".join(blocks) + "\n\nA person loved these films. Write what they would type to "
            "find a new film like them, without naming any film or person. Start with 'I'.",
        },
    ]


def likelihood_prompt(document: str) -> list[dict[str, str]]:
    """The conversation whose answer is a request: log P(request | this film) is read after it."""
    return [
        {"role": "system", "content": NARRATIVE_SYSTEM},
        {
            "role": "user",
            "content": f"{document[:1200]}\n\nA person loved this film. Write what they would type "
            "to find a new film like it. Start with 'I'.",
        },  # fmt: skip
    ]


def cleaned(text: str) -> str:
    """The request: no quotes or "Request:" label, its first MAX_SENTENCES sentences, ending before
    the writer turns to chat ("What do you think?") and without a sentence cut off mid-way."""
    text = LEADING_LABEL.sub("", text.strip())
    text = " ".join(text.split("\n\n")[0].strip().strip('"“”').split())
    sentences = re.findall(r"[^.!?]+(?:[.!?]+|$)", text)
    kept = []
    for sentence in sentences[:MAX_SENTENCES]:
        finished = bool(re.search(r"[.!?]$", sentence.strip()))
        if kept and (not finished or "?" in sentence or sentence.strip().lower().startswith(("what", "do you"))):
            break
        kept.append(sentence.strip())
    return " ".join(kept).strip()


def narrative_problem(
    text: str, *, titles: Iterable[str], people: frozenset[str], prompt: str = "", max_person_words: int = 3
) -> str | None:
    """Why this request cannot be used, or None. `titles`: the films it must not name (those the
    prompt described and the user's other liked films); `people`: folded names of every catalog
    person; `prompt`: the text the writer read (a capitalised name not in it was invented)."""
    words = text.split()
    if len(words) < MIN_WORDS:
        return f"too short ({len(words)} words)"
    if len(words) > MAX_WORDS:
        return f"too long ({len(words)} words)"
    if PROMPT_LABELS.search(text):
        return "copies the prompt's layout"
    for title in titles:
        if names_title(text, title):
            return f"names a film: {title}"
    person = named_person(text, people, max_person_words)
    if person:
        return f"names a person: {person}"
    invented = invented_name(text, prompt)
    if invented:
        return f"invents a name: {invented}"
    return None


def invented_name(text: str, prompt: str) -> str | None:
    """A capitalised word inside a sentence that the prompt never used ("a cop named Jack"): the
    writer made it up, and a request about made-up people matches no film."""
    known = {word.lower() for word in re.findall(r"[A-Za-z']+", prompt)}
    for match in re.finditer(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-z']+)", text):
        word = match.group(1)
        if word.lower() not in known and word.split("'")[0] not in ("I", "Film", "Movie"):
            return word
    return None


def names_title(text: str, title: str) -> bool:
    """Does `text` name this film? A one-word everyday title ("Her", "Heat") counts only capitalised
    as a name mid-sentence; any other title counts as its words in order, case and punctuation aside."""
    core = without_article(fold(title))
    if not core:
        return False
    folded = f" {fold(text)} "
    if f" {core} " not in folded:
        return False
    if " " in core or not everyday(core):
        return True
    shown = re.sub(r"^(the|a|an)\s+", "", title.strip(), flags=re.IGNORECASE)
    return any(match.start() > 0 for match in re.finditer(rf"\b{re.escape(shown)}\b", text))


def named_person(text: str, people: frozenset[str], max_words: int = 3) -> str | None:
    """The first catalog person (two words or more, folded) whose name appears in `text`."""
    tokens = fold(text).split()
    for size in range(max_words, 1, -1):
        for start in range(len(tokens) - size + 1):
            span = " ".join(tokens[start : start + size])
            if span in people:
                return span
    return None


def best_explained(candidates: Sequence[int], scores: Sequence[float], keep: int) -> list[int]:
    """The `keep` candidates whose documents make the request most likely, best first (ties by id)."""
    if len(candidates) != len(scores):
        raise ValueError("one score per candidate is required")
    order = sorted(zip(candidates, scores, strict=True), key=lambda pair: (-pair[1], pair[0]))
    return [movie_id for movie_id, _ in order[:keep]]


def _without_names(overview: str, movie: MovieFacts) -> str:
    """The story with the film's title and its people's names blanked, so they cannot be copied."""
    text = overview
    for name in [movie.title, *movie.directors, *movie.cast]:
        if len(name) > 2:
            text = re.sub(re.escape(name), "someone" if name != movie.title else "the film", text, flags=re.I)
    return text
