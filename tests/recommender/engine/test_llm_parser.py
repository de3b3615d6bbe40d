"""The language-model parser without a database: the line format both ways, the fallback on unusable
answers, spans checked against the request, remakes by year, and the synthetic data's spans.

The model is scripted here (tests/recommender/scripted_llm.py) so each branch is driven on purpose;
the real fine-tuned model runs in tests/training/test_query_parser_run.py."""

import pytest

from recommender.engine.query.baseline import BaselineParser
from recommender.engine.query.llm_parser import AnswerError, LLMParser, answer_for, answer_read, span_in
from recommender.engine.query.schema import ASKS
from recommender.engine.query.synth import SPLITS, Generator
from tests.recommender.engine.test_query import GAZETTEER, GRAPH
from tests.recommender.scripted_llm import ScriptedLLM

FALLBACK = BaselineParser(GAZETTEER, None, None, GRAPH.themes())


def _parser(*answers):
    return LLMParser(ScriptedLLM(answers), GAZETTEER, FALLBACK)


def test_every_synthetic_answer_reads_back_to_its_labels():
    examples = Generator(GRAPH, seed=3).generate(400)
    for example in examples:
        read = answer_read(answer_for(example.labels))
        assert read["intent"] == example.labels["intent"] and read["ask"] == example.labels["ask"]
        assert [span for span, _ in read["titles"]] == [title["span"] for title in example.labels["titles"]]
        assert [name for name, _ in read["people"]] == [person["span"] for person in example.labels["people"]]
        assert read["less"] == example.labels["constraints"]["less"] and read["plot"] == example.labels["plot"]


def test_synthetic_labels_record_spans_that_occur_in_the_text_and_every_question_has_an_ask():
    examples = Generator(GRAPH, seed=5).generate(600)
    assert {example.split for example in examples} == set(SPLITS)
    for example in examples:
        spans = [title["span"] for title in example.labels["titles"]] + [p["span"] for p in example.labels["people"]]
        assert all(span_in(span, example.text) for span in spans), example.text
        if example.labels["intent"] == "non_rec":
            assert example.labels["ask"] in ASKS


@pytest.mark.parametrize(
    "answer",
    ["", "maybe", '{"intent": "rec"}', "Sure! Here is the parse:\nrec", "REC\ntitle: heat", "title: heat\nrec"],
)  # fmt: skip
def test_answers_that_break_the_format_are_refused(answer):
    with pytest.raises(AnswerError):
        answer_read(answer)


def test_an_unusable_answer_goes_to_the_fallback_with_the_reason_kept():
    reading = _parser("I think you want Heat!").read_many(["who directed heat"])[0]
    assert reading.error.startswith("the answer does not start with an intent")
    assert reading.parse == FALLBACK.parse("who directed heat")


def test_a_good_answer_is_expanded_into_the_contract_with_titles_resolved_and_genres_read_by_the_lexicon():
    parse = _parser("rec\ntitle: alien\nless: gory").parse(
        "something like alien but less gory, sci fi from the 80s, no horror"
    )
    assert parse.intent == "rec" and [title.id for title in parse.titles] == [6]
    assert parse.genres == ["Sci-Fi"] and parse.decades == [1980]
    assert parse.constraints.exclude_genres == ["Horror"] and parse.constraints.less == ["gory"]


def test_a_year_in_the_answer_picks_the_remake_and_typos_still_resolve():
    assert [
        t.id for t in _parser("non_rec\nask: director\ntitle: heat (1986)").parse("who directed heat (1986)").titles
    ] == [2]
    assert [
        t.id for t in _parser("non_rec\nask: year\ntitle: godfathr").parse("when did godfathr come out").titles
    ] == [4]


def test_titles_people_and_phrases_not_in_the_request_are_dropped():
    reading = _parser("rec\ntitle: alien\ntitle: the godfather\ndirector: michael mann\ntheme: space").read_many(
        ["movies like alien"]
    )[0]
    assert [title.id for title in reading.parse.titles] == [6]  # the model cannot add a movie nobody typed
    assert reading.parse.people == [] and reading.parse.themes == []
    assert set(reading.dropped) == {"the godfather", "michael mann", "space"}


def test_lines_outside_the_format_are_not_read_and_the_rest_still_counts():
    reading = _parser("rec\ntitle: alien\nsimilar: suspense\ngenre: Horror\ntitle").read_many(["movies like alien"])[0]
    assert reading.error == "" and [title.id for title in reading.parse.titles] == [6]
    assert reading.parse.genres == [] and reading.dropped == ["similar: suspense", "genre: Horror", "title"]


def test_the_model_adds_a_title_written_with_no_cue_but_never_a_near_miss_or_a_part_of_a_found_title():
    assert [t.id for t in _parser("rec\ntitle: precious").parse("precious but funnier").titles] == [8]
    misread = _parser("non_rec\nask: year\ntitle: precios").read_many(["precios release"])[0]
    assert misread.parse.titles == [] and misread.dropped == ["precios"]  # typo-tolerant only in the scan
    inside = _parser("rec\ntitle: jungle book\ntitle: story").read_many(["like The Story of Us"])[0]
    assert [t.id for t in inside.parse.titles] == [17]  # "story" is part of the title the scan found


def test_naming_only_people_or_genres_is_a_search_for_their_movies_whatever_the_model_says():
    by_genre = _parser("non_rec\nask: chat").parse("heist pls")
    assert (by_genre.intent, by_genre.ask, by_genre.genres) == ("rec", None, ["Crime"])
    by_person = _parser("non_rec\nask: lookup\ntitle: michael mann").parse("where do i start with michael mann")
    assert (by_person.intent, [person.name for person in by_person.people]) == ("rec", ["Michael Mann"])
    assert _parser("non_rec\nask: chat").parse("hi there, thanks").intent == "non_rec"
    assert _parser("non_rec\nask: director\ntitle: heat").parse("who directed heat").intent == "non_rec"


def test_only_words_of_titles_found_in_the_catalog_are_kept_from_reading_as_genres():
    parse = _parser("rec\ntitle: horror like alien").parse("horror like alien")
    assert [title.id for title in parse.titles] == [6] and parse.genres == ["Horror"]


def test_an_unknown_ask_reads_as_other():
    assert _parser("non_rec\nask: joke").parse("tell me a joke").ask == "other"


def test_a_lookup_without_a_catalog_movie_is_a_question_unless_its_words_ask_for_movies():
    reading = _parser("non_rec\nask: lookup\ntitle: drops").read_many(["'; DROP TABLE movies; --"])[0]
    assert (reading.parse.intent, reading.parse.ask, reading.parse.titles) == ("non_rec", "other", [])
    wants = _parser("non_rec\nask: lookup\ntitle: date niight").parse("need something for date niight")
    assert (wants.intent, wants.ask, wants.titles) == ("rec", None, [])
    misspelt_genre = _parser("non_rec\nask: lookup\ntitle: wsterns").read_many(["wsterns pls"])[0]
    assert misspelt_genre.error == "" and misspelt_genre.parse.intent == "rec"
    assert misspelt_genre.parse.genres == ["Western"]
    for typed in ("romance pls", "rommance pls"):
        genre_as_title = _parser("non_rec\nask: lookup\ntitle: romance").parse(typed)
        assert (genre_as_title.intent, genre_as_title.titles, genre_as_title.genres) == ("rec", [], ["Romance"])


def test_a_title_then_what_is_asked_is_a_question_whatever_the_model_says():
    parse = _parser("rec\ntitle: heat").parse("heat from 1986 gnere pls")
    assert (parse.intent, parse.ask, [title.id for title in parse.titles]) == ("non_rec", "genre", [2])
    parse = _parser("rec").parse("the godfather writer")
    assert (parse.intent, parse.ask, [title.id for title in parse.titles]) == ("non_rec", "writer", [4])
    assert _parser("rec").parse("horror plot").intent == "rec"  # a genre, not a title
    parse = _parser("rec\ncast: godfather").parse("whats the godfather about")
    assert (parse.intent, parse.ask, [title.id for title in parse.titles]) == ("non_rec", "plot", [4])


def test_a_bare_title_is_a_lookup_and_an_unspecific_ask_is_read_from_the_words():
    parse = _parser("non_rec\nask: chat\ntitle: shawshank").parse("shawshank")
    assert (parse.intent, parse.ask, [title.id for title in parse.titles]) == ("non_rec", "lookup", [27])
    assert _parser("non_rec\nask: other").parse("how do half stars work here").ask == "site"


def test_a_name_alone_is_a_search_and_a_question_with_a_request_for_movies_is_rec():
    parse = _parser("non_rec\nask: person\ncast: sigourney weaver").parse("sigourney weaver haha")
    assert (parse.intent, parse.ask) == ("rec", None)
    assert _parser("non_rec\nask: person\ncast: al pacino").parse("is al pacino still alive").intent == "non_rec"
    both = _parser("non_rec\nask: my_rating\ntitle: alien").parse("what did i rate alien and find me something like it")
    assert (both.intent, both.ask, [title.id for title in both.titles]) == ("rec", "my_rating", [6])


def test_catalog_people_named_in_full_are_kept_when_the_model_misses_them_and_a_name_as_title_is_a_person():
    parse = _parser("rec\ntitle: alien").parse("something with sigourney weaver kinda like alien")
    assert [person.name for person in parse.people] == ["Sigourney Weaver"]
    parse = _parser("rec\ntitle: al pacino").parse("films like al pacino")
    assert parse.titles == [] and [person.name for person in parse.people] == ["Al Pacino"]
