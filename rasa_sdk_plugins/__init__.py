"""Plugins of the action server, found by rasa_sdk under this package name (its plugin hook):
the shared secret, and the grader loaded before the first call.

With ACTION_SERVER_SECRET set, every call but /health must carry the secret in the
X-Action-Secret header, which the Rasa server sends (endpoints.yml): only the Rasa server can
run actions and so write trainee records. scripts/serve.sh binds the action server to loopback
unless ACTION_HOST says otherwise, and refuses a wider binding without the secret.
"""

import hmac
import logging

import pluggy
from sanic import Sanic, response

from trainer import settings

SECRET_HEADER = "X-Action-Secret"
hookimpl = pluggy.HookimplMarker("rasa_sdk")
logger = logging.getLogger(__name__)


def init_hooks(manager: pluggy.PluginManager) -> None:
    manager.register(ActionServerSecret())
    manager.register(GraderWarmUp())


class GraderWarmUp:
    """Load the content and the grader before the server answers (read from var/cache, or
    fitted there the first time), so no trainee's first answer waits for them."""

    @hookimpl
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        @app.listener("before_server_start")
        async def warm_up(app, loop):
            from actions import runtime

            await loop.run_in_executor(None, runtime.grader)


class ActionServerSecret:
    @hookimpl
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        secret = settings.action_server_secret().encode()
        if not secret:
            return

        @app.middleware("request")
        async def require_secret(request):
            if request.path == "/health":
                return None
            if not hmac.compare_digest(request.headers.get(SECRET_HEADER, "").encode(), secret):
                logger.warning("refused a call to %s without the action server secret", request.path)
                return response.json({"error": "only the Rasa server may call this server"}, status=403)
            return None
