from django.urls import path

from raktas.analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("clients/<int:pk>/", views.client_page, name="client"),
    path("clients/<int:pk>/panel/", views.client_panel, name="client_panel"),
    path("orders/<int:pk>/suggestions/", views.order_suggestions, name="order_suggestions"),
    path("tier-proposals/<int:pk>/decide/", views.decide, name="decide"),
]
