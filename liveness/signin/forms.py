from django import forms
from django.contrib.auth.forms import AuthenticationForm


class StaffAuthenticationForm(AuthenticationForm):
    """Django's form (authenticate() with the request, so django-axes sees every attempt)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Wrong username or password. Too many failed attempts lock the account for a while.",
    }


class CodeForm(forms.Form):
    code = forms.CharField(
        label="6-digit code", min_length=6, max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}",
                                      "autofocus": True, "size": 8}))

    def clean_code(self):
        code = self.cleaned_data["code"].strip().replace(" ", "")
        if not code.isdigit():
            raise forms.ValidationError("The code is 6 digits.")
        return code
