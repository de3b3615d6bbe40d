"""Full-text search over the embedded documents (recommender/selectors/fulltext.py): a GIN index on
the exact expression the search uses, so Postgres answers from the index."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("recommender", "0005_kind_choices_from_registry")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS movie_embedding_fts ON recommender_movieembedding "
            "USING gin (to_tsvector('english'::regconfig, document))",
            reverse_sql="DROP INDEX IF EXISTS movie_embedding_fts",
        )
    ]
