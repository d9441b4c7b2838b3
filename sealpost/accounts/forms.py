import unicodedata

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sealpost.accounts.addresses import normalise_email
from sealpost.accounts.models import User
from sealpost.records import nationalid


class AddressField(forms.EmailField):
    """An e-mail address in its canonical form (sealpost.accounts.addresses), validated in that
    form: full-width "ｎａｍｅ＠ｅｘａｍｐｌｅ．ｃｏｍ" is accepted as the ASCII address it stands for.
    At most 254 characters once normalised (the length of User.email)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", User._meta.get_field("email").max_length)
        super().__init__(**kwargs)

    def to_python(self, value):
        return normalise_email(super().to_python(value))


class RegisterForm(forms.Form):
    email = AddressField(label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    full_name = forms.CharField(label=_("Name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html,
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        password1, password2 = data.get("password1"), data.get("password2")
        if password1 and password2:
            if password1 != password2:
                self.add_error("password2", _("The two passwords differ."))
            else:
                user = User(email=data.get("email", ""), full_name=data.get("full_name", ""))
                try:
                    password_validation.validate_password(password2, user)
                except ValidationError as error:
                    self.add_error("password2", error)
        return data


class LoginForm(forms.Form):
    email = AddressField(label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "username"}))
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code"),
        max_length=8,
        help_text=_("The code your authenticator app shows now."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 8}
        ),
    )


class LinkForm(forms.Form):
    student_number = forms.CharField(label=_("Student number"), max_length=20)
    date_of_birth = forms.DateField(
        label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    national_id = forms.CharField(
        label=_("National ID or resident certificate number"),
        max_length=20,
        help_text=_("One letter and nine digits, for example A123456789."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    # Chinese input methods often type full-width letters and digits (Ａ１２３...): fold them to ASCII.
    def clean_student_number(self):
        return unicodedata.normalize("NFKC", self.cleaned_data["student_number"]).strip()

    def clean_national_id(self):
        value = nationalid.normalise(unicodedata.normalize("NFKC", self.cleaned_data["national_id"]))
        if not nationalid.is_valid(value):
            raise ValidationError(
                _(
                    "This is not a valid national ID or resident certificate number: "
                    "check the letter and the nine digits."
                )
            )
        return value


class AddressPasswordResetForm(PasswordResetForm):
    """Django's reset form, finding the account exactly by the canonical address (Django's own
    lookup is the database's case-insensitive match, which differs between SQLite and PostgreSQL)."""

    email = AddressField(label=PasswordResetForm.base_fields["email"].label,
                         widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    def get_users(self, email):
        return (user for user in User.objects.with_email(email).filter(is_active=True) if user.has_usable_password())


class VerifyingSetPasswordForm(SetPasswordForm):
    """Setting a password from a reset link also proves the address is the user's."""

    def save(self, commit=True):
        self.user.email_verified = True
        return super().save(commit)
