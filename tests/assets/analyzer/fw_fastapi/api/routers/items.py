from fastapi import APIRouter
from sqlalchemy import select

from api.db import Session
from api.models import Item

router = APIRouter(prefix="/items")


@router.get("/{item_id}")
def read(item_id: int):
    with Session() as session:
        return session.execute(select(Item).where(Item.id == item_id)).scalar_one()


@router.api_route("/", methods=["post", "put"])
def write(item: dict):
    with Session() as session:
        session.add(Item(**item))
