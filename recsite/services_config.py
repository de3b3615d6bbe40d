"""Builds the embedded services the settings ask for (only those whose URL is unset)."""

from __future__ import annotations

from django.conf import settings

from recsite.embedded import EmbeddedPostgres, EmbeddedRedis


def embedded_services() -> list[EmbeddedPostgres | EmbeddedRedis]:
    services: list[EmbeddedPostgres | EmbeddedRedis] = []
    if settings.DATABASE_URL_IS_EMBEDDED:
        services.append(
            EmbeddedPostgres(
                settings.VAR_DIR / "postgres" / "data", settings.EMBEDDED_PG_PORT, settings.EMBEDDED_DB_NAME
            )
        )
    if settings.REDIS_URL_IS_EMBEDDED:
        services.append(EmbeddedRedis(settings.VAR_DIR / "redis", settings.EMBEDDED_REDIS_PORT))
    return services
