"""`python manage.py import_movielens FOLDER`: an official MovieLens folder.

Layouts: latest-small / 25m (movies.csv, ratings.csv, tags.csv, links.csv), ml-1m (*.dat),
ml-100k (u.data, u.item). With links.csv, TMDB/IMDb ids come from it instead of a title join.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.importers.movielens import read_movielens_folder
from catalog.importers.records import ImportFileError
from catalog.management.commands._common import run_import


class Command(BaseCommand):
    help = "Import an official MovieLens folder (latest-small/25m CSV, ml-1m or ml-100k)."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)
        parser.add_argument(
            "--name", default="", help="dataset name, prefixed to imported usernames (default: the folder name)"
        )
        parser.add_argument("--force", action="store_true", help="import even if these files were imported")

    def handle(self, *args, folder: Path, name: str, force: bool, **options):
        if name and not name.replace("-", "").replace("_", "").isalnum():
            raise CommandError(f"--name {name!r}: use letters, digits, '-' and '_' only")
        try:
            dataset = read_movielens_folder(folder, name or None)
        except (ImportFileError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"read {len(dataset.movies)} movies, {len(dataset.ratings)} ratings, {len(dataset.tags)} tags"
        )
        run_import(self, dataset, force=force)
