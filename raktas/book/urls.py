from django.urls import path

from raktas.book import views

app_name = "book"

urlpatterns = [
    path("today/", views.today, name="today"),
    path("clients/", views.clients, name="clients"),
    path("clients/export.xlsx", views.clients_export, name="clients_export"),
    path("clients/<int:pk>/", views.client_detail, name="client"),
    path("team/", views.team, name="team"),
]
