"""The web server on port 8080: the trainee page (web/) and, later, the trainer dashboard."""
from pathlib import Path

from sanic import Sanic, response

WEB_ROOT = Path(__file__).resolve().parent.parent / "web"


def create_app(name: str = "ihl_trainer_web") -> Sanic:
    app = Sanic(name)

    @app.get("/")
    async def trainee_page(request):
        return await response.file(WEB_ROOT / "index.html", mime_type="text/html; charset=utf-8")

    @app.get("/healthz")
    async def health(request):
        return response.json({"status": "ok"})

    app.static("/static", str(WEB_ROOT / "static"))
    return app


def serve(host: str, port: int) -> None:
    import compat

    compat.apply()
    create_app().run(host=host, port=port, access_log=False)
