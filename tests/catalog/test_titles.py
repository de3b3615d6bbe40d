from catalog.importers.titles import TitleYearIndex, display_title, normalise_title, split_title_year


def test_split_title_year_reads_movielens_titles():
    assert split_title_year("Toy Story (1995)") == ("Toy Story", 1995)
    assert split_title_year("Fawlty Towers (1975-1979)") == ("Fawlty Towers", 1975)
    assert split_title_year("Untitled") == ("Untitled", None)


def test_display_title_moves_the_trailing_article_to_the_front():
    assert display_title("Hangover, The") == "The Hangover"
    assert display_title("City of Lost Children, The (Cité des enfants perdus, La)") == (
        "The City of Lost Children (Cité des enfants perdus, La)"
    )
    assert display_title("Heat") == "Heat"
    assert display_title("Blind Side, The ") == "The Blind Side"
    assert display_title("Human Centipede II (Full Sequence), The") == "The Human Centipede II (Full Sequence)"


def test_normalise_title_ignores_case_accents_articles_punctuation_and_alternate_titles():
    assert normalise_title("Hangover, The") == normalise_title("The Hangover") == "hangover"
    assert normalise_title("Amélie (Fabuleux destin d'Amélie Poulain, Le)") == "amelie"
    assert normalise_title("Face/Off") == normalise_title("Face Off")
    assert normalise_title("Fast & Furious") == normalise_title("Fast and Furious")


def test_title_year_index_prefers_the_exact_year_then_one_year_either_side():
    hamlet_90, hamlet_96 = object(), object()
    index = TitleYearIndex([("Hamlet", 1996, hamlet_96), ("Hamlet", 1990, hamlet_90)])
    assert index.take("Hamlet", 1990) is hamlet_90
    assert index.take("Hamlet", 1997) is hamlet_96


def test_title_year_index_gives_each_entry_once_and_refuses_far_years():
    heat = object()
    index = TitleYearIndex([("Heat", 1995, heat)])
    assert index.take("Heat", 1993) is None  # two years off: a different film
    assert index.take("Heat", 1996) is heat
    assert index.take("Heat", 1995) is None  # already taken
    assert index.take("Heat", None) is None
