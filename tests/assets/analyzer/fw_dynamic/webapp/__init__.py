from flask import Blueprint, Flask

app = Flask(__name__)
unused = Blueprint("unused", __name__)


@app.route("/home")
def home():
    return "home"


@unused.route("/never")
def never():
    return "never registered"


for page in ("about", "contact"):
    app.add_url_rule(f"/pages/{page}", page, home)
