FLASK_APP=market
