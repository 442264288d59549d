"""The site's URLs: each app with pages mounts its own (``raktas/<app>/urls.py``);
the shell (``raktas.web``) last, for sign-in and the start page."""

from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("raktas.api.urls")),
    path("", include("raktas.core.urls")),
    path("", include("raktas.book.urls")),
    path("", include("raktas.orders.urls")),
    path("receivables/", include("raktas.receivables.urls")),
    path("bank/", include("raktas.banking.urls")),
    path("analytics/", include("raktas.analytics.urls")),
    path("credit/", include("raktas.credit.urls")),
    path("credit/", include("raktas.collection.urls")),
    path("audit/", include("raktas.org.urls")),
    path("", include("raktas.web.urls")),
]
