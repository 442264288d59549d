from django.urls import path

from raktas.core.views import healthz

urlpatterns = [path("healthz", healthz, name="healthz")]
