"""`python manage.py import_tmdb MOVIES_CSV [CREDITS_CSV]`: a TMDB 5000-style CSV pair.

Films join the catalog by TMDB id, else by title + year; the others are added as new movies.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.importers.records import Dataset, ImportFileError
from catalog.importers.tmdb import read_tmdb_csv
from catalog.management.commands._common import run_import


class Command(BaseCommand):
    help = "Import a TMDB-style movies.csv (and credits.csv) pair."

    def add_arguments(self, parser):
        parser.add_argument("movies_csv", type=Path)
        parser.add_argument("credits_csv", type=Path, nargs="?")
        parser.add_argument("--force", action="store_true", help="import even if these files were imported")

    def handle(self, *args, movies_csv: Path, credits_csv: Path | None, force: bool, **options):
        try:
            movies = read_tmdb_csv(movies_csv, credits_csv)
        except (ImportFileError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        files = [movies_csv] + ([credits_csv] if credits_csv else [])
        self.stdout.write(f"read {len(movies)} films")
        run_import(self, Dataset(name="tmdb", movies=movies, item_key="tmdb_id", files=files), force=force)
