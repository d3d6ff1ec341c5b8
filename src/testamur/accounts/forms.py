from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

from testamur.accounts.models import User
from testamur.accounts.roles import Role

PASSWORDS_DIFFER = "The two passwords do not match."

ROLE_HELP = (
    "Owner: settings, staff accounts and everything an Admin does. "
    "Admin: learners, training and credentials, including issue and cancel. "
    "User: learners and enrolments; may request and preview credentials, not issue them."
)


class UserDetailsForm(forms.Form):
    first_name = forms.CharField(label="First name", max_length=150, required=False)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)
    email = forms.EmailField(label="Email", required=False, max_length=254)
    role = forms.ChoiceField(choices=Role.choices, help_text=ROLE_HELP)


class UserCreateForm(UserDetailsForm):
    username = forms.CharField(
        max_length=150,
        help_text="Used to sign in. Letters, digits and @ . + - _ only.",
    )
    password1 = forms.CharField(
        label="Initial password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Initial password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    field_order = ["username", "first_name", "last_name", "email", "role"]

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", PASSWORDS_DIFFER)
        elif password1:
            candidate = User(
                username=cleaned.get("username", ""),
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
                email=cleaned.get("email", ""),
            )
            try:
                password_validation.validate_password(password1, candidate)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class UserEditForm(UserDetailsForm):
    is_active = forms.BooleanField(
        label="Active",
        required=False,
        help_text="Inactive staff cannot sign in. Accounts are never deleted.",
    )

    @classmethod
    def for_user(cls, user: User, data=None) -> "UserEditForm":
        initial = {
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "role": user.role.value if user.role else Role.USER.value,
            "is_active": user.is_active,
        }
        return cls(data, initial=initial)
