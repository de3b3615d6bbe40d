"""`python manage.py services up|down|status`: the embedded PostgreSQL and Redis.

Only services whose URL (DATABASE_URL, REDIS_URL) is unset are managed; an external server
is the operator's to run. `up` and `down` are safe to call twice.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from recsite.embedded import ServiceError
from recsite.services_config import embedded_services


class Command(BaseCommand):
    help = "Start, stop or report the embedded PostgreSQL (+pgvector) and Redis servers."
    requires_system_checks = []  # must work before the database is up

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["up", "down", "status"])

    def handle(self, *args, action: str, **options):
        services = embedded_services()
        if not settings.DATABASE_URL_IS_EMBEDDED:
            self.stdout.write("postgres: external (DATABASE_URL is set), not managed here")
        if not settings.REDIS_URL_IS_EMBEDDED:
            self.stdout.write("redis: external (REDIS_URL is set), not managed here")
        # Stop in reverse order: the broker before the database it may still be writing to.
        ordered = services if action != "down" else list(reversed(services))
        for service in ordered:
            try:
                status = {"up": service.start, "down": service.stop, "status": service.status}[action]()
            except ServiceError as exc:
                raise CommandError(str(exc)) from exc
            state = f"running (pid {status.pid})" if status.running else "stopped"
            self.stdout.write(f"{status.name}: {state}  {status.url}  data: {status.detail}")
