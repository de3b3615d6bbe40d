"""Studios people choose films by ("pixar movies", "something from ghibli", "a24 horror"). Plain Python.

The catalog keeps each movie's production companies as TMDB names them ("Pixar Animation Studios",
"Walt Disney Animation Studios"); people type a brand. Only brands people pick films by are listed,
with the words they type for them: "universal" or "paramount" are everyday words far more often
than a request for a studio, so they are not. A movie without TMDB data has no studios, so a
studio request finds only TMDB-matched movies.
"""

from __future__ import annotations

import re

from recommender.engine.query.words import fold

# brand as shown to people -> (what people type, folded; the company names in the catalog)
STUDIOS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Pixar": (("pixar",), ("Pixar Animation Studios",)),
    "Studio Ghibli": (("ghibli",), ("Studio Ghibli",)),
    "Marvel": (("marvel", "mcu"), ("Marvel Studios", "Marvel Entertainment", "Marvel Enterprises", "Marvel Knights")),
    "DC": (("dc comics", "dceu", "dc movies", "dc films", "dc superhero"), ("DC Comics", "DC Entertainment")),
    "Disney": (("disney",), ("Walt Disney Pictures", "Walt Disney Animation Studios", "Walt Disney",
                             "Walt Disney Feature Animation", "Walt Disney Productions", "Disney")),
    "DreamWorks": (("dreamworks", "dream works"), ("DreamWorks Animation", "DreamWorks SKG", "DreamWorks",
                                                   "DreamWorks Pictures", "Dreamworks Pictures")),
    "A24": (("a24",), ("A24",)),
    "Blumhouse": (("blumhouse",), ("Blumhouse Productions",)),
    "Aardman": (("aardman",), ("Aardman Animations",)),
    "Lucasfilm": (("lucasfilm",), ("Lucasfilm",)),
    "Laika": (("laika",), ("Laika Entertainment",)),
    "Illumination": (("illumination entertainment", "illumination movies", "illumination films"),
                     ("Illumination Entertainment",)),
    "Blue Sky": (("blue sky studios",), ("Blue Sky Studios",)),
    "Hammer": (("hammer horror", "hammer films"), ("Hammer Film Productions",)),
    "Miramax": (("miramax",), ("Miramax Films", "Miramax")),
    "Amblin": (("amblin",), ("Amblin Entertainment",)),
    "Working Title": (("working title films",), ("Working Title Films",)),
    "Focus Features": (("focus features",), ("Focus Features",)),
    "Searchlight": (("searchlight",), ("Fox Searchlight Pictures",)),
    "Warner Bros.": (("warner bros", "warner brothers"), ("Warner Bros.", "Warner Bros. Pictures")),
    "Lionsgate": (("lionsgate", "lions gate"), ("Lionsgate", "LionsGate", "Lions Gate Films", "Lions Gate")),
}  # fmt: skip
# A studio's words must stand alone: "pixar" in "pixars" counts, "dc" inside "dcmovies" does not.
_PATTERNS = {
    brand: re.compile(r"\b(?:" + "|".join(re.escape(word) for word in words) + r")s?\b")
    for brand, (words, _) in STUDIOS.items()
}


def studios_named(text: str) -> list[str]:
    """The brands `text` names, in the order of STUDIOS ("best pixar and ghibli movies": Pixar, Studio Ghibli)."""
    folded = fold(text)
    return [brand for brand, pattern in _PATTERNS.items() if pattern.search(folded)]


def studio_companies(brands: list[str]) -> list[str]:
    """The catalog's company names for these brands."""
    return [name for brand in brands for name in STUDIOS[brand][1]]
