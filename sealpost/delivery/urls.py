from django.urls import path

from sealpost.delivery import views

app_name = "delivery"
urlpatterns = [
    path("wes/<str:number>/confirm/", views.wes_confirm, name="wes_confirm"),
    path("wes/<str:number>/reupload/", views.wes_reupload, name="wes_reupload"),
    path("wes/retry/<int:pk>/", views.wes_retry, name="wes_retry"),
    path("<str:token>/", views.link, name="link"),
    path("<str:token>/<str:code>.pdf", views.download, name="download"),
    path("resend/<int:pk>/", views.resend, name="resend"),
]
