from django.urls import path

from sealpost.demo import views

app_name = "demo"

urlpatterns = [
    path("", views.index, name="mailbox"),
    path("wes/", views.wes_files, name="wes"),
    path("<str:name>/", views.message, name="message"),
]
