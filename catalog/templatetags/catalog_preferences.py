"""Template helpers for the preference editor partial, so any page can include it with one line."""

from __future__ import annotations

from django import template

from catalog.models import PREFERENCE_MAX_CHARS
from catalog.preferences import preference_get, preference_suggestion_current

register = template.Library()


@register.simple_tag
def preference_editor(user) -> dict:
    """What templates/recommender/_preferences.html shows: the saved text and the current suggestion."""
    if not user.is_authenticated:
        return {}
    return {
        "profile": preference_get(user=user),
        "suggestion": preference_suggestion_current(user=user),
        "max_chars": PREFERENCE_MAX_CHARS,
    }
