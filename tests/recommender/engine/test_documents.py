"""The text a movie is embedded and searched by (recommender/engine/text/documents.py)."""

from recommender.engine.text.documents import MovieText, movie_document, origin_line


def test_a_foreign_language_film_says_so_in_the_words_people_search_with():
    assert origin_line(["Japanese"], ["Japan"]) == "Foreign language film in Japanese, from Japan."
    assert origin_line(["French", "English"], ["France", "United Kingdom", "Belgium"]) == (
        "Foreign language film in French, from France and the United Kingdom."
    )
    assert origin_line(["English"], ["United Kingdom", "United States"]) == "From the United Kingdom."
    assert origin_line(["English"], ["United States"]) == "" == origin_line([], [])  # nothing worth saying


def test_the_document_carries_origin_and_oscars_last():
    text = MovieText("Amelie", 2001, ["Comedy", "Romance"], description="A shy waitress in Paris.",
                     languages=["French"], countries=["France"], awards="Nominated for 5 Oscars.")  # fmt: skip
    assert movie_document(text) == (
        "Amelie (2001). Genres: Comedy, Romance. A shy waitress in Paris. "
        "Foreign language film in French, from France. Nominated for 5 Oscars."
    )
