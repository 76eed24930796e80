"""The deployment's WSGI entry: ihatemoney's app factory with this folder's settings file."""

import os

os.environ.setdefault("IHATEMONEY_SETTINGS_FILE_PATH", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                                    "settings.py"))

from ihatemoney.run import create_app

application = create_app()
