from django.urls import path

from raktas.orders import views

app_name = "orders"

urlpatterns = [
    path("clients/<int:pk>/orders/new/", views.order_new, name="order_new"),
    path("orders/", views.orders, name="orders"),
    path("orders/<int:pk>/", views.order_detail, name="order"),
    path("orders/<int:pk>/lines/", views.order_line_add, name="order_line_add"),
    path("orders/<int:pk>/lines/<int:line_pk>/", views.order_line_change, name="order_line_change"),
    path(
        "orders/<int:pk>/lines/<int:line_pk>/remove/",
        views.order_line_remove,
        name="order_line_remove",
    ),
    path("orders/<int:pk>/products/", views.order_products, name="order_products"),
    path("orders/<int:pk>/submit/", views.order_submit, name="order_submit"),
    path("orders/<int:pk>/cancel/", views.order_cancel, name="order_cancel"),
    path("orders/<int:pk>/confirm/", views.order_confirm, name="order_confirm"),
    path("orders/<int:pk>/return/", views.order_return, name="order_return"),
    path("desk/", views.desk, name="desk"),
]
