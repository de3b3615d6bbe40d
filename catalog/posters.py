"""Generated posters: deterministic SVG art for a movie from its genres, decade and title.

No poster images ship offline, and a card without a picture reads as a list of text. Each movie
gets the same poster every time: colours and a motif from its leading genre, their placement from
a hash of its id, its title set large and its year small. Plain Python, no Django; the view in
catalog/views.py serves it (or the operator's real posters when configured).
"""

from __future__ import annotations

import hashlib
import textwrap
from collections.abc import Sequence
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 200, 300  # 2:3, the shape of a film poster

# (background top, background bottom, motif colour, text colour) per genre; the first genre of a
# movie found in GENRE_ORDER leads, so "Comedy|Horror" reads as horror, not as comedy.
PALETTES = {
    "Horror": ("#1b0d12", "#4a0f1a", "#b3122e", "#f3e9e9"),
    "Sci-Fi": ("#08132e", "#1d3d7a", "#6ad1ff", "#eef6ff"),
    "Animation": ("#ffb347", "#ff6f61", "#fff2b3", "#2b1b12"),
    "Children": ("#7fd1ae", "#2d9d78", "#fff6a8", "#f4fff9"),
    "Western": ("#e7b26a", "#8a4b22", "#f7e0b5", "#fff3e0"),
    "War": ("#3c4430", "#1f2419", "#a6a57a", "#efeede"),
    "Documentary": ("#e9e5dc", "#b9b2a3", "#37352f", "#1f1d19"),
    "Musical": ("#5b1f6e", "#c2408f", "#ffd27a", "#fff4fb"),
    "Film-Noir": ("#111111", "#3a3a3a", "#d8d8d8", "#f5f5f5"),
    "Crime": ("#161a22", "#3b2430", "#e0b04a", "#f6efe0"),
    "Thriller": ("#0f1d24", "#2e4a52", "#9fe2d6", "#eefaf8"),
    "Mystery": ("#1d1636", "#4a3a7a", "#c9b8ff", "#f3efff"),
    "Fantasy": ("#23304f", "#5e3d7d", "#ffd98a", "#fff8e8"),
    "Romance": ("#f7c6c7", "#d9576b", "#fff0f2", "#3a0d16"),
    "Comedy": ("#ffe066", "#f59f00", "#ffffff", "#2d2100"),
    "Adventure": ("#2f6f4f", "#d58b2b", "#fbe7b5", "#fffaf0"),
    "Action": ("#1f2a44", "#c2410c", "#fbbf24", "#fff7ed"),
    "Drama": ("#2b3a4a", "#6b7f8f", "#e8d9b5", "#f7f3ea"),
    "IMAX": ("#0b2545", "#13315c", "#8da9c4", "#eef4ed"),
}
GENRE_ORDER = tuple(PALETTES)
PLAIN = ("#3d4451", "#7b8494", "#d9dee7", "#ffffff")  # no genre listed


def poster_svg(*, movie_id: int, title: str, year: int | None, genres: Sequence[str]) -> str:
    """The poster as a standalone SVG document (text escaped: a title cannot inject markup)."""
    lead = next((genre for genre in GENRE_ORDER if genre in set(genres)), "")
    top, bottom, accent, ink = PALETTES.get(lead, PLAIN)
    seed = hashlib.sha512(f"{movie_id}:{title}".encode()).digest()
    lines = _title_lines(title)
    size = 26 if max(map(len, lines)) <= 10 else 21 if max(map(len, lines)) <= 14 else 17
    first_y = 200 - (len(lines) - 1) * size * 1.15
    text = "".join(
        f'<text x="16" y="{first_y + n * size * 1.15:.0f}" font-size="{size}" font-weight="700">{escape(line)}</text>'
        for n, line in enumerate(lines)
    )
    footer = escape(" · ".join(part for part in (str(year) if year else "", lead) if part))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-label="{escape(title, {chr(34): "&quot;"})}">'
        f'<defs><linearGradient id="g" x1="0" y1="0" x2="0.3" y2="1"><stop offset="0" stop-color="{top}"/>'
        f'<stop offset="1" stop-color="{bottom}"/></linearGradient></defs>'
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="url(#g)"/>'
        f"{_motif(lead, seed, accent)}"
        f'<rect x="0" y="{first_y - size - 14:.0f}" width="{WIDTH}" height="{HEIGHT}" fill="{bottom}" opacity="0.55"/>'
        f'<g fill="{ink}" font-family="Georgia, \'Times New Roman\', serif">{text}'
        f'<text x="16" y="{HEIGHT - 18}" font-size="12" opacity="0.85" font-family="Helvetica, Arial, sans-serif" '
        f'letter-spacing="1">{footer.upper()}</text></g></svg>'
    )


def _title_lines(title: str, width: int = 14, most: int = 4) -> list[str]:
    lines = textwrap.wrap(title.strip() or "Untitled", width=width, break_long_words=True) or ["Untitled"]
    if len(lines) > most:
        lines = [*lines[: most - 1], lines[most - 1][: width - 1] + "…"]
    return lines


def _motif(genre: str, seed: bytes, colour: str) -> str:
    """A few shapes in the upper half; which and where depend on the genre and the seed bytes."""
    x, y, r = 40 + seed[0] % 120, 50 + seed[1] % 70, 28 + seed[2] % 40
    if genre in ("Sci-Fi", "Fantasy", "IMAX"):  # a planet and a scatter of stars
        stars = "".join(f'<circle cx="{seed[3 + i] % WIDTH}" cy="{seed[13 + i] % 170}" r="{1 + seed[23 + i] % 2}"/>'
                        for i in range(10))  # fmt: skip
        return (f'<g fill="{colour}" opacity="0.8">{stars}</g>'
                f'<circle cx="{x}" cy="{y}" r="{r}" fill="{colour}" opacity="0.35"/>'
                f'<ellipse cx="{x}" cy="{y}" rx="{r + 18}" ry="{r // 4 + 3}" fill="none" stroke="{colour}" '
                f'stroke-width="2" opacity="0.7"/>')  # fmt: skip
    if genre in ("Horror", "Thriller", "Mystery", "Film-Noir", "Crime"):  # a moon behind slats
        slats = "".join(f'<rect x="0" y="{20 + i * 26}" width="{WIDTH}" height="9" fill="#000" opacity="0.28"/>'
                        for i in range(7))  # fmt: skip
        return f'<circle cx="{x}" cy="{y}" r="{r}" fill="{colour}" opacity="0.75"/>{slats}'
    if genre in ("Western", "Adventure", "War", "Action"):  # mountains under a sun
        peak = 60 + seed[4] % 80
        return (f'<circle cx="{x}" cy="{y - 10}" r="{r // 2 + 10}" fill="{colour}" opacity="0.8"/>'
                f'<polygon points="0,190 {peak},{90 + seed[5] % 40} {peak + 70},190" fill="#000" opacity="0.25"/>'
                f'<polygon points="{peak - 20},190 {peak + 60},{110 + seed[6] % 40} {WIDTH},190" '
                f'fill="#000" opacity="0.35"/>')  # fmt: skip
    if genre in ("Romance", "Musical", "Comedy", "Animation", "Children"):  # bubbles
        return "".join(f'<circle cx="{seed[3 + i] % WIDTH}" cy="{20 + seed[13 + i] % 160}" r="{8 + seed[23 + i] % 30}" '
                       f'fill="{colour}" opacity="{0.25 + (seed[30] % 3) * 0.1:.2f}"/>' for i in range(7))  # fmt: skip
    # Drama, Documentary and anything else: concentric rings
    return "".join(f'<circle cx="{x}" cy="{y}" r="{r + i * 16}" fill="none" stroke="{colour}" stroke-width="3" '
                   f'opacity="{0.6 - i * 0.1:.1f}"/>' for i in range(5))  # fmt: skip
