from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("raktas.api.urls")),
    path("", include("raktas.core.urls")),
    path("receivables/", include("raktas.receivables.urls")),
    path("bank/", include("raktas.banking.urls")),
    path("analytics/", include("raktas.analytics.urls")),
    path("credit/", include("raktas.credit.urls")),
    path("audit/", include("raktas.audit.urls")),
    path("", include("raktas.web.urls")),
]
