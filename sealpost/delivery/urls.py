from django.urls import path

from sealpost.delivery import views

app_name = "delivery"
urlpatterns = [
    path("<str:token>/", views.link, name="link"),
    path("<str:token>/<str:code>.pdf", views.download, name="download"),
    path("resend/<int:pk>/", views.resend, name="resend"),
]
