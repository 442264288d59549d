"""Collection's pages, mounted at /credit/ beside credit control's (raktas/urls.py)."""

from django.urls import path

from raktas.collection import views

app_name = "collection"

urlpatterns = [
    path("clients/<int:pk>/promises/", views.promise_new, name="promise_new"),
    path("tasks/<int:pk>/done/", views.task_done, name="task_done"),
    path("collection/", views.collection_today, name="collection"),
]
