"""The access-log page, mounted at /audit/ (raktas/urls.py)."""

from django.urls import path

from raktas.audit import views

app_name = "audit"

urlpatterns = [path("access/", views.access_log, name="access_log")]
