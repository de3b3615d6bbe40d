"""Small MovieLens / TMDB files written by the tests, in the official layouts."""

from __future__ import annotations

import json
from pathlib import Path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.lstrip("\n"), encoding="utf-8")
    return path


def latest_small_folder(folder: Path, ratings: str | None = None, links: bool = True) -> Path:
    write(
        folder / "movies.csv",
        """
movieId,title,genres
1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy
2,Jumanji (1995),Adventure|Children|Fantasy
6,Heat (1995),Action|Crime|Thriller
69122,"Hangover, The (2009)",Comedy|Crime
""",
    )
    write(
        folder / "ratings.csv",
        ratings
        or """
userId,movieId,rating,timestamp
1,1,4.0,964982703
1,2,3.5,964981247
2,1,5.0,964982224
2,6,0.5,964983815
3,69122,2.5,964982931
""",
    )
    write(
        folder / "tags.csv",
        """
userId,movieId,tag,timestamp
2,1,pixar,1445714994
2,6,heist,1445714996
""",
    )
    if links:
        write(
            folder / "links.csv",
            """
movieId,imdbId,tmdbId
1,0114709,862
2,0113497,8844
6,0113277,949
69122,1119646,18785
""",
        )
    return folder


def ml1m_folder(folder: Path) -> Path:
    write(
        folder / "movies.dat",
        "1::Toy Story (1995)::Animation|Children's|Comedy\n3::Grumpier Old Men (1995)::Comedy|Romance\n",
    )
    write(folder / "ratings.dat", "1::1::5::978300760\n1::3::3::978302109\n2::3::4::978301968\n")
    return folder


def ml100k_folder(folder: Path) -> Path:
    flags = ["0"] * 19
    toy = flags.copy()
    toy[3] = toy[4] = toy[5] = "1"  # Animation, Children's, Comedy
    goldeneye = flags.copy()
    goldeneye[1] = goldeneye[2] = goldeneye[16] = "1"  # Action, Adventure, Thriller
    write(folder / "u.item", "\n".join([
        "1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)|" + "|".join(toy),
        "2|GoldenEye (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?GoldenEye%20(1995)|" + "|".join(goldeneye),
    ]) + "\n")  # fmt: skip
    write(folder / "u.data", "196\t1\t3\t881250949\n186\t2\t4\t891717742\n196\t2\t5\t881251000\n")
    return folder


def tmdb_pair(folder: Path) -> tuple[Path, Path]:
    genres = json.dumps([{"id": 16, "name": "Animation"}])
    keywords = json.dumps([{"id": 1, "name": "toy"}, {"id": 2, "name": "friendship"}])
    studios = json.dumps([{"id": 3, "name": "Pixar Animation Studios"}]).replace('"', '""')
    movies = write(
        folder / "movies.csv",
        f'''
id,title,original_title,overview,tagline,genres,keywords,release_date,runtime,popularity,production_companies
862,Toy Story,Toy Story,"Led by Woody, Andy's toys live happily in his room.",The adventure takes off!,"{genres.replace('"', '""')}","{keywords.replace('"', '""')}",1995-10-30,81,73.64,"{studios}"
949,Heat,Heat,A group of professional bank robbers.,A Los Angeles crime saga,[],[],1995-12-15,170,70.1,[]
99999,Brand New Film,Brand New Film,Nobody has rated this yet.,,[],[],2015-01-01,,1.5,
''',
    )
    cast = json.dumps(
        [
            {"name": "Tom Hanks", "character": "Woody", "order": 0, "id": 31},
            {"name": "Tim Allen", "character": "Buzz Lightyear", "order": 1, "id": 12898},
        ]
    )
    crew = json.dumps([{"name": "John Lasseter", "job": "Director", "id": 7879}])
    credits = write(
        folder / "credits.csv",
        f'''
movie_id,title,cast,crew
862,Toy Story,"{cast.replace('"', '""')}","{crew.replace('"', '""')}"
''',
    )
    return movies, credits
