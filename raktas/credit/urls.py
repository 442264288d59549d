"""Pages of credit control, mounted at /credit/ (raktas/urls.py)."""

from django.urls import path

from raktas.credit import views

app_name = "credit"

urlpatterns = [
    path("", views.credit_home, name="home"),
    path("overrides/<int:pk>/", views.override_detail, name="override"),
    path("overrides/<int:pk>/decide/", views.override_decide, name="override_decide"),
    path("holds/<int:pk>/lift/", views.hold_lift, name="hold_lift"),
    path("clients/<int:pk>/", views.client_credit, name="client"),
]
