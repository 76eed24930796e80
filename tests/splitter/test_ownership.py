"""Table ownership and cross-service data access (splitter/ownership.py) on the Django fixture, exact."""

from __future__ import annotations

from splitter import split
from splitter.ownership import env_needs, migration_groups, table_ownership
from tests.analyzer._util import run


def test_owner_cross_service_reads_writes_and_foreign_keys() -> None:
    graph = run("fw_django")
    service_of = {"blog": "posts", "blog.models": "posts", "blog.views": "web", "accounts": "users"}
    assert table_ownership(graph, service_of) == {
        "tables": {
            "accounts_member": {"owner": "users", "reads_from": {"web": ["blog/views.py:15"]}},
            "blog_comment": {"owner": "posts", "writes_from": {"web": ["blog/views.py:14"]}},
            "blog_entries": {"owner": "posts",
                             "reads_from": {"web": ["blog/views.py:10", "blog/views.py:19"]},
                             "writes_from": {"web": ["blog/views.py:19"]},
                             "foreign_keys_to": {"accounts_member": {"owner": "users",
                                                                     "where": ["blog/models.py:17"]}}},
            "blog_entries_tags": {"owner": "posts"},
            "blog_tag": {"owner": "posts"},
        },
        "cross_service_fks": 1,
        "cross_service_writes": 2,
    }


def test_migrations_stay_with_their_models() -> None:
    graph = run("fw_django")
    assert migration_groups(graph) == (
        frozenset({"blog.migrations", "blog.migrations.0001_initial", "blog.models"}),)
    plan = split(graph, seam="interior", services=2)
    owners = plan.assign(graph.nodes_of_kind("module"))
    assert owners["blog.migrations"] == owners["blog.migrations.0001_initial"] == owners["blog.models"] != ""
    assert set(plan.metrics["tables"]) == {"accounts_member", "blog_comment", "blog_entries", "blog_entries_tags",
                                           "blog_tag"}


def test_environment_variables_each_service_needs() -> None:
    graph = run("fw_django")
    service_of = {"mysite": "web", "manage": "web", "blog": "posts"}
    assert env_needs(graph, service_of) == {"web": ["DJANGO_DEBUG", "DJANGO_SECRET_KEY", "DJANGO_SETTINGS_MODULE"]}
