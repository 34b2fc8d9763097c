"""WebSocket routes of the portal (bpmportal.asgi mounts them)."""

from django.urls import path

from monitoring.live.consumers import LiveConsumer

websocket_urlpatterns = [path("ws/live/", LiveConsumer.as_asgi())]
