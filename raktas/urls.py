from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("raktas.api.urls")),
    path("", include("raktas.core.urls")),
    path("", include("raktas.web.urls")),
]
