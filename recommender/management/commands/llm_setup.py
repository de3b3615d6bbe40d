"""`python manage.py llm_setup`: make the local language model ready (convert the bundled GGUF once).

Safe to run again: an existing model folder is left as it is. Prints where the model is.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from recommender.services.llm import llm_base_path


class Command(BaseCommand):
    help = "Convert the bundled SmolLM2 GGUF into a saved model folder (once), or check LLM_MODEL_PATH."

    def handle(self, *args, **options):
        if settings.LLM_API_BASE:
            self.stdout.write(f"language model: {settings.LLM_API_MODEL} served at {settings.LLM_API_BASE}")
            return
        started = time.perf_counter()
        path = llm_base_path()
        if not (path / "config.json").exists():
            raise CommandError(f"{path} has no config.json: point LLM_MODEL_PATH at a transformers model folder")
        self.stdout.write(f"language model: {path} (ready in {time.perf_counter() - started:.1f} s)")
