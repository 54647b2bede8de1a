import re

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


TOTP_CODE = re.compile(r"[0-9]{6}")
RECOVERY_CODE = re.compile(r"[a-z0-9]{8,16}")  # ours are 8 base32 characters; StaticToken allows 16


def recovery_code_normalise(value: str) -> str:
    """A recovery code as stored: lower case, without the hyphen or spaces people type."""
    return re.sub(r"[\s-]+", "", value).lower()


def recovery_code_display(code: str) -> str:
    """``abcdefgh`` as shown to people: ``abcd-efgh``."""
    return f"{code[:4]}-{code[4:]}" if len(code) == 8 else code


class SecondFactorForm(forms.Form):
    """The code step: the 6-digit TOTP code, or a recovery code, in the same field.

    ``kind`` tells which after validation ("totp" or "recovery_code"); ``code`` is then the
    digits or the normalised recovery code. Anything else is a form error, not a counted failure.
    """

    code = forms.CharField(
        label="6-digit code or recovery code", max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "none",
                                      "spellcheck": "false", "autofocus": True, "size": 12,
                                      "class": "code-or-recovery"}))

    kind: str | None = None

    def clean_code(self):
        code = recovery_code_normalise(self.cleaned_data["code"])
        if TOTP_CODE.fullmatch(code):
            self.kind = "totp"
        elif RECOVERY_CODE.fullmatch(code):
            self.kind = "recovery_code"
        else:
            raise forms.ValidationError("Type the 6-digit code from your authenticator app, "
                                        "or one of your recovery codes (like abcd-efgh).")
        return code
