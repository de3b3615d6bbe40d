from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError

from catalog.models import RATING_VALUES
from catalog.services import rating_value_parse

# (value, label) pairs for the star widget: "0.5" ... "5.0".
RATING_CHOICES = [(str(value), f"{value} stars") for value in RATING_VALUES]


class SignupForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        fields = ("username",)


class RatingForm(forms.Form):
    rating = forms.CharField(max_length=8, error_messages={"required": "Choose a rating from 0.5 to 5 stars."})

    def clean_rating(self):
        try:
            return rating_value_parse(self.cleaned_data["rating"])
        except ValidationError:
            raise ValidationError("Choose a rating from 0.5 to 5 stars, in half steps.") from None
