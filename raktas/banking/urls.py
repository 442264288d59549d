"""Bank pages for finance, mounted at /bank/ (raktas/urls.py)."""

from django.urls import path

from raktas.banking import views

app_name = "banking"

urlpatterns = [
    path("", views.bank_queue, name="queue"),
    path("upload/", views.bank_upload, name="upload"),
    path("entries/<int:pk>/resolve/", views.bank_resolve, name="resolve"),
    path("entries/<int:pk>/reverse/", views.bank_reverse, name="reverse"),
    path("entries/<int:pk>/ignore/", views.bank_ignore, name="ignore"),
]
