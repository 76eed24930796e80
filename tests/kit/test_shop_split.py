"""samples/shop split by hand into three services over the kit answers its scenario exactly like the monolith.

web (gateway) -> customers -> notifications, and web -> notifications: real dataclasses, enums, datetimes,
Decimals, UUIDs and domain exceptions cross the wire; each domain's database lives only in its own service. Then
the notifications service goes down, and registering a customer (web -> customers -> notifications) answers 503
naming it, through the shop's own ``except Exception`` handler.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from tests.kit.conftest import StartServer
from tests.kit.shop_split import SHOP, build


def test_split_shop_answers_like_the_monolith(tmp_path: Path, start_server: StartServer) -> None:
    trees = build(tmp_path)
    notifications = start_server(trees["notifications"], env={"DATA_DIR": str(tmp_path / "notifications-data")})
    urls = {"CLEAVE_SERVICE_NOTIFICATIONS_URL": notifications.url}
    customers = start_server(trees["customers"], env={"DATA_DIR": str(tmp_path / "customers-data"), **urls})
    urls["CLEAVE_SERVICE_CUSTOMERS_URL"] = customers.url
    web = start_server(trees["web"], env={"DATA_DIR": str(tmp_path / "web-data"), **urls})

    result = subprocess.run([sys.executable, str(SHOP / "scenario.py"), web.url], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == (SHOP / "expected.txt").read_text().splitlines()
    assert sorted(path.name for path in (tmp_path / "customers-data").iterdir()) == ["customers.db"]
    assert sorted(path.name for path in (tmp_path / "notifications-data").iterdir()) == ["notifications.db"]
    assert "customers.db" not in [path.name for path in (tmp_path / "web-data").iterdir()]

    assert notifications.stop() == 0
    assert notifications.listener is not None
    notifications.listener.close()  # nobody holds the socket any more: connections are refused, not queued
    body = json.dumps({"name": "Zoe Adams", "email": "zoe@example.com",
                       "address": {"street": "1 Main St", "city": "Berlin", "postcode": "10115",
                                   "country": "DE"}}).encode()
    request = urllib.request.Request(web.url + "/customers", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        urllib.request.urlopen(request, timeout=30).close()
        raise AssertionError("registering succeeded with notifications down")
    except urllib.error.HTTPError as error:
        status, answer = error.code, json.loads(error.read())
        error.close()
    assert status == 503
    assert answer["service"] == "notifications"
    for server in (web, customers):
        assert server.stop() == 0
    assert web.stderr() == "" and customers.stderr() == ""
