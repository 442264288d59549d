"""The organisation's own pages: the access log, mounted at /audit/ (raktas/urls.py)."""

from django.urls import path

from raktas.org import views

app_name = "org"

urlpatterns = [path("access/", views.access_log, name="access_log")]
