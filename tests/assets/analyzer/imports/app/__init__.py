from .util import helper
from . import orders
