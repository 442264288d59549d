"""Sign-in, throttling of failed sign-ins, sign-out, password change, idle timeout and
the language switcher."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client as HttpClient
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from raktas.org.models import Role
from raktas.testing.factories import UserFactory
from raktas.web.models import LoginThrottle
from raktas.web.sessions import TOUCHED_KEY

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests"


@pytest.fixture
def kam():
    return UserFactory.create(username="ona", roles=(Role.KAM,))


def sign_in(browser: HttpClient, username: str, password: str, ip: str = "10.0.0.1"):
    return browser.post(
        reverse("web:login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_sign_in_with_the_right_password_lands_on_today(kam) -> None:
    browser = HttpClient()
    response = sign_in(browser, "ona", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert browser.get("/")["Location"] == "/today/"


def test_a_wrong_password_is_refused_with_a_message(kam) -> None:
    response = sign_in(HttpClient(), "ona", "wrong")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_MINUTES=15)
def test_repeated_failures_lock_sign_in_even_with_the_right_password(kam) -> None:
    browser = HttpClient()
    for _ in range(3):
        sign_in(browser, "ona", "wrong")
    response = sign_in(browser, "ona", PASSWORD)
    assert response.status_code == 200
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in browser.session
    # Another address is not locked out: the account only makes it wait a little
    # (the growing delay), and then the right password works.
    other = sign_in(HttpClient(), "ona", PASSWORD, ip="10.0.0.2")
    assert "Too many failed sign-ins for this account" in other.content.decode()
    LoginThrottle.objects.filter(key="u:ona").update(next_at=timezone.now())
    assert sign_in(HttpClient(), "ona", PASSWORD, ip="10.0.0.2").status_code == 302


@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_MINUTES=15)
def test_the_lockout_ends_after_the_lockout_period(kam) -> None:
    browser = HttpClient()
    for _ in range(3):
        sign_in(browser, "ona", "wrong")
    LoginThrottle.objects.update(last_at=timezone.now() - dt.timedelta(minutes=16), next_at=None)
    assert sign_in(browser, "ona", PASSWORD).status_code == 302


@override_settings(LOGIN_MAX_FAILURES=3)
def test_a_good_sign_in_clears_the_failure_count(kam) -> None:
    browser = HttpClient()
    sign_in(browser, "ona", "wrong")
    sign_in(browser, "ona", "wrong")
    assert sign_in(browser, "ona", PASSWORD).status_code == 302
    # The pair and the account start again; the address keeps its two real failures
    # (it may be guessing other accounts) but not the try that succeeded.
    assert list(LoginThrottle.objects.values_list("key", "failures")) == [("a:10.0.0.1", 2)]


@override_settings(LOGIN_MAX_FAILURES=100, LOGIN_MAX_FAILURES_PER_IP=4)
def test_one_address_guessing_many_usernames_is_locked_too(kam) -> None:
    browser = HttpClient()
    for name in ("a", "b", "c", "d"):
        sign_in(browser, name, "wrong")
    assert "Too many failed sign-ins" in sign_in(browser, "ona", PASSWORD).content.decode()


def test_sign_out_is_a_post(kam) -> None:
    browser = HttpClient()
    browser.force_login(kam)
    assert browser.get(reverse("web:logout")).status_code == 405
    assert "_auth_user_id" in browser.session
    response = browser.post(reverse("web:logout"))
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert browser.get("/today/").status_code == 302


def test_password_change(kam) -> None:
    browser = HttpClient()
    browser.force_login(kam)
    response = browser.post(
        reverse("web:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Rudeninis-lapas-42",
            "new_password2": "Rudeninis-lapas-42",
        },
    )
    assert response.status_code == 302
    kam.refresh_from_db()
    assert kam.check_password("Rudeninis-lapas-42")
    bad = browser.post(
        reverse("web:password_change"),
        {"old_password": "nope", "new_password1": "x", "new_password2": "y"},
    )
    assert bad.status_code == 200 and 'aria-invalid="true"' in bad.content.decode()


def _expiry(browser: HttpClient) -> dt.datetime:
    key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    return Session.objects.get(session_key=key).expire_date


def test_the_session_is_an_idle_timeout(kam) -> None:
    browser = HttpClient()
    browser.force_login(kam)
    response = browser.get("/today/")
    assert response.status_code == 200
    # The first request of a signed-in session pushes the expiry forward by the idle
    # timeout (the cookie and the stored session alike).
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == settings.SESSION_COOKIE_AGE
    first = _expiry(browser)
    assert first > timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    # Within the touch interval a page view writes nothing: no cookie, same expiry.
    again = browser.get("/today/")
    assert again.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in again.cookies
    assert _expiry(browser) == first
    # Once the last save is older than the interval, a request saves it again.
    session = browser.session
    session[TOUCHED_KEY] -= settings.SESSION_TOUCH_INTERVAL
    session.set_expiry(None)
    session.save()
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() + dt.timedelta(seconds=120)
    )
    touched = browser.get("/today/")
    assert touched.status_code == 200
    assert int(touched.cookies[settings.SESSION_COOKIE_NAME]["max-age"]) == (
        settings.SESSION_COOKIE_AGE
    )
    assert _expiry(browser) > timezone.now() + dt.timedelta(
        seconds=settings.SESSION_COOKIE_AGE - 60
    )
    # A session idle for longer than the timeout is gone.
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    assert browser.get("/today/").status_code == 302


def test_an_anonymous_visit_stores_no_session() -> None:
    browser = HttpClient()
    assert browser.get("/login/").status_code == 200
    assert browser.get("/today/").status_code == 302
    assert not Session.objects.exists()


def test_the_language_switcher_is_a_post_and_changes_the_language(kam) -> None:
    browser = HttpClient()
    browser.force_login(kam)
    page = browser.get("/today/").content.decode()
    assert 'action="/i18n/setlang/"' in page and 'name="language" value="lt"' in page
    response = browser.post("/i18n/setlang/", {"language": "lt", "next": "/today/"})
    assert response.status_code == 302
    assert '<html lang="lt">' in browser.get("/today/").content.decode()
