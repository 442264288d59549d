"""Sign-in with throttling, sign-out and password change."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpResponse
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from raktas.web import throttle


class ThrottledAuthenticationForm(AuthenticationForm):
    """Refuses sign-in while the username+address pair is locked out, and counts
    each failure. The lockout message is the same whether or not the password was
    right, so it tells a guesser nothing."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _(
            "Too many failed sign-ins. Sign-in is locked for %(minutes)s minutes; try again later."
        ),
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        ip = throttle.client_ip(self.request) if self.request else "unknown"
        if throttle.is_locked(username, ip):
            raise forms.ValidationError(
                self.error_messages["locked"],
                code="locked",
                params={"minutes": int(throttle.lockout().total_seconds() // 60)},
            )
        try:
            return super().clean()
        except forms.ValidationError:
            throttle.note_failure(username, ip)
            raise


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        throttle.note_success(form.get_user().get_username(), throttle.client_ip(self.request))
        return super().form_valid(form)


class LogoutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET): signing out changes state."""


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "web/password_change.html"
    success_url = reverse_lazy("web:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "web/password_change_done.html"
