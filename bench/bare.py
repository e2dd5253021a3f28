"""The yardstick: a bare Litestar JSON endpoint, served exactly like the app."""

from litestar import Litestar, post


@post("/bare", status_code=200)
async def bare(data: dict) -> dict:
    return {"status": "ok", "echo": len(data)}


app = Litestar(route_handlers=[bare])
