"""Every prompt the project sends to a language model, in one place, with one version.

Bump PROMPT_VERSION whenever a prompt's wording (or the check its answers must pass) changes: stored
outputs record the version that made them, and enrichment treats outputs of an older version as not
done yet.
User-supplied text is quoted inside clearly marked blocks and cut to a length limit; the parsers
that read the answers never trust it (see grounding.py and llm.generate_json).
"""

from __future__ import annotations

from dataclasses import dataclass, field

PROMPT_VERSION = "2026-11-23.2"

MAX_OVERVIEW_CHARS = 700


@dataclass(frozen=True)
class MovieFacts:
    """What we know about a movie: the only ground a generated text may stand on."""

    title: str
    year: int | None = None
    genres: list[str] = field(default_factory=list)
    overview: str = ""
    tagline: str = ""
    keywords: list[str] = field(default_factory=list)
    directors: list[str] = field(default_factory=list)
    cast: list[str] = field(default_factory=list)  # top-billed first
    languages: list[str] = field(default_factory=list)  # the original language first
    countries: list[str] = field(default_factory=list)
    awards: str = ""  # e.g. "Won 3 Oscars. Nominated for 6 Oscars."

    @property
    def label(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title

    def as_lines(self, *, with_overview: bool = True) -> str:
        lines = [f"Title: {self.title}"]
        if self.year:
            lines.append(f"Year: {self.year}")
        if self.genres:
            lines.append(f"Genres: {', '.join(self.genres)}")
        if self.directors:
            lines.append(f"Director: {', '.join(self.directors)}")
        if self.cast:
            lines.append(f"Starring: {', '.join(self.cast[:4])}")
        if self.keywords:
            lines.append(f"Keywords: {', '.join(self.keywords[:12])}")
        if self.tagline:
            lines.append(f"Tagline: {self.tagline}")
        if with_overview and self.overview:
            lines.append(f"Overview: {self.overview[:MAX_OVERVIEW_CHARS]}")
        return "\n".join(lines)


DESCRIPTION_SYSTEM = (
    "You write short, factual descriptions for a movie catalogue. Use only the facts you are given. "
    "Never name a person, a year or a film that is not in the facts."
)


def description_prompt(facts: MovieFacts) -> list[dict[str, str]]:
    """Metadata -> a 2-3 sentence description (the enricher's task, also its fine-tuning input)."""
    return [
        {"role": "system", "content": DESCRIPTION_SYSTEM},
        {"role": "user", "content": f"{facts.as_lines()}\n\nDescribe this movie in two or three sentences."},
    ]


REASON_SYSTEM = (
    "You recommend movies in one friendly sentence. Use only the facts you are given. "
    "Never name a person, a year or a film that is not in the facts."
)


def similar_reason_prompt(liked: MovieFacts, suggested: MovieFacts, shared: str) -> list[dict[str, str]]:
    """One sentence: why someone who enjoyed `liked` might love `suggested`."""
    return [
        {"role": "system", "content": REASON_SYSTEM},
        {
            "role": "user",
            "content": (
                f"Movie A:\n{liked.as_lines(with_overview=False)}\n\n"
                f"Movie B:\n{suggested.as_lines(with_overview=False)}\n\n"
                f"What they share: {shared}\n\n"
                f"Finish this sentence in under 30 words: If you enjoyed {liked.title}, you might love "
                f"{suggested.title} for its"
            ),
        },
    ]


MAX_PREFERENCE_CHARS = 1000  # what a prompt quotes of a user's own words; the rest is cut


def quoted_user_text(text: str) -> str:
    """User text as inert data inside a prompt: cut to length, our block markers removed."""
    return " ".join(text.replace("<<<", "").replace(">>>", "").split())[:MAX_PREFERENCE_CHARS]


PROFILE_SYSTEM = (
    "You describe a person's movie taste in two sentences, using only the movies and facts given. "
    "Never name a person, a year or a film that is not listed."
)


def preference_profile_prompt(favourites: list[MovieFacts]) -> list[dict[str, str]]:
    """The person's favourite movies (facts only) -> two sentences in their voice about their taste."""
    listed = "\n".join(
        f"- {f.label}: {', '.join(f.genres) or 'no genre'}"
        + (f"; keywords: {', '.join(f.keywords[:5])}" if f.keywords else "")
        + (f"; director: {', '.join(f.directors[:1])}" if f.directors else "")
        for f in favourites
    )
    return [
        {"role": "system", "content": PROFILE_SYSTEM},
        {
            "role": "user",
            "content": f"Movies this person rated highly:\n{listed}\n\n"
            "In two sentences, say what kinds of movies this person loves. Start with 'I love'.",
        },
    ]


JUDGE_SYSTEM = "You decide whether a person would enjoy a movie. Answer with one word: Yes or No."


def enjoy_judgement_prompt(preferences: str, movie: MovieFacts, description: str = "") -> list[dict[str, str]]:
    """ "Would someone who says <preferences> enjoy <movie>?" The answer is read as log P(Yes) vs log P(No)
    from one forward pass (never generated), so nothing in the preference text can change the output format."""
    about = movie.as_lines(with_overview=False) + (
        f"\nAbout: {description[:MAX_OVERVIEW_CHARS]}" if description else ""
    )
    return [
        {"role": "system", "content": JUDGE_SYSTEM},
        {
            "role": "user",
            "content": f"The person says (quoted between <<< and >>>):\n<<<{quoted_user_text(preferences)}>>>\n\n"
            f"The movie:\n{about}\n\nWould this person enjoy this movie? Answer Yes or No.",
        },
    ]
