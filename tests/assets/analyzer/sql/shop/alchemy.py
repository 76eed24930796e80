from sqlalchemy import Column, Integer, MetaData, Table
from sqlalchemy.orm import declarative_base

Base = declarative_base()
metadata = MetaData()

audit = Table("audit_log", metadata, Column("id", Integer))


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
