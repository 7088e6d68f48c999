"""Every extension object of the app, created unbound; ``create_app`` binds them."""

from __future__ import annotations

from flask_babel import Babel
from flask_login import LoginManager
from flask_session import Session
from flask_sock import Sock
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from app.dbsession import RequestSession
from app.migrating import DeferredMigrate

# Named constraints make migrations portable between SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base carrying the naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# GETs read without BEGIN/ROLLBACK on PostgreSQL until they write (app/dbsession.py).
db = SQLAlchemy(model_class=Base, session_options={"class_": RequestSession})
# Flask-Migrate and Alembic load only in processes that migrate (app/migrating.py).
migrate = DeferredMigrate()
sess = Session()
csrf = CSRFProtect()
sock = Sock()
login = LoginManager()
babel = Babel()
