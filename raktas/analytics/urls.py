from django.urls import path

from raktas.analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("clients/<int:pk>/", views.client_page, name="client"),
    path("tier-proposals/<int:pk>/decide/", views.decide, name="decide"),
]
