from django.urls import path
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import FormParser, MultiPartParser

from .parsers import JSONParser

# DRF's own token view names its parsers itself; ours refuses absurdly nested JSON with a 400.
obtain_auth_token = ObtainAuthToken.as_view(parser_classes=[FormParser, MultiPartParser, JSONParser])

urlpatterns = [path("auth/token/", obtain_auth_token, name="api-token")]
