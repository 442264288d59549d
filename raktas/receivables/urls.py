"""Receivables pages, mounted at /receivables/ (raktas/urls.py)."""

from django.urls import path

from raktas.receivables import views

app_name = "receivables"

urlpatterns = [path("aging/", views.aging_page, name="aging")]
