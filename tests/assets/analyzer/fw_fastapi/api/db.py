from sqlalchemy.orm import sessionmaker

Session = sessionmaker()
