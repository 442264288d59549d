"""Sign-in with throttling, sign-out and password change."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.http import HttpRequest
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from raktas.core.net import UNKNOWN, client_ip
from raktas.web import throttle


def _refusal_error(refused: throttle.Refused) -> forms.ValidationError:
    if refused.account:
        return forms.ValidationError(
            _("Too many failed sign-ins for this account. Try again in %(seconds)s s."),
            code="locked",
            params={"seconds": refused.seconds},
        )
    return forms.ValidationError(
        _("Too many failed sign-ins. Sign-in is locked for %(minutes)s minutes; try again later."),
        code="locked",
        params={"minutes": refused.minutes},
    )


class ThrottledAuthenticationForm(AuthenticationForm):
    """Claims a try from ``raktas.web.throttle`` before the password is checked and
    gives it back when the password was right. While refused the password is not
    checked, so the refusal is the same whether or not it was right."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request) if self.request else UNKNOWN
        refused = throttle.claim(username, ip)
        if refused is not None:
            raise _refusal_error(refused)
        cleaned = super().clean()
        throttle.succeeded(username, ip)
        return cleaned


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET): signing out changes state."""


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """The old-password check is a password check like sign-in's, and counts
    against the same limits: a borrowed session cannot guess the password."""

    def __init__(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_old_password(self) -> str:
        ip = client_ip(self.request) if self.request else UNKNOWN
        username = self.user.get_username()
        refused = throttle.claim(username, ip)
        if refused is not None:
            error = _refusal_error(refused)
            raise forms.ValidationError(error.message, code="locked", params=error.params)
        old: str = super().clean_old_password()
        throttle.succeeded(username, ip)
        return old


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "web/password_change.html"
    form_class = ThrottledPasswordChangeForm

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["request"] = self.request
        return kwargs

    success_url = reverse_lazy("web:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "web/password_change_done.html"
