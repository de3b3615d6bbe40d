from django import forms
from django.contrib.auth.forms import UserCreationForm

from catalog.models import RATING_VALUES


class SignupForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        fields = ("username",)


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        choices=[(str(v), f"{v} stars") for v in RATING_VALUES],
        coerce=str,
        error_messages={"invalid_choice": "Choose a rating from 0.5 to 5 stars, in half steps."},
    )
