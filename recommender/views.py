"""Site pages for recommendations: "For you" and onboarding."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from catalog.forms import RATING_CHOICES
from catalog.models import Rating
from recommender.selectors import feed_document, onboarding_groups

ONBOARDING_UNTIL = 5  # fewer ratings than this: show the onboarding page instead of an empty-ish feed


@login_required
def for_you(request: HttpRequest) -> HttpResponse:
    if Rating.objects.filter(user=request.user).count() < ONBOARDING_UNTIL and "feed" not in request.GET:
        return onboarding(request)
    return render(request, "recommender/for_you.html", {"feed": feed_document(user=request.user, k=20)})


@login_required
def onboarding(request: HttpRequest) -> HttpResponse:
    context = {
        "groups": onboarding_groups(user=request.user),
        "rated_count": Rating.objects.filter(user=request.user).count(),
        "rating_choices": RATING_CHOICES,
    }
    return render(request, "recommender/onboarding.html", context)
