import app.util as u
from app.util import other as o
from .. import util
import app
from app import helper
from app.stars import *


def place():
    u.helper()
    o()
    util.other()
    app.util.helper()
    helper()
    starred()
    f = u.other
    f()


def lazy():
    from app.util import helper as h
    h()
