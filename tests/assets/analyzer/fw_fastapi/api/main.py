from fastapi import FastAPI
from starlette.routing import Mount, Route

from api.routers import items
from api.settings import health

app = FastAPI()
app.include_router(items.router, prefix="/api")


@app.get("/")
def root():
    return {}


admin = Mount("/admin", routes=[Route("/stats", health, methods=["GET"])])
