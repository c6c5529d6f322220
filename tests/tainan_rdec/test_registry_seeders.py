"""Demo seeders run after the seeders whose data they read."""

import pytest

from tainan_rdec import registry


@pytest.fixture
def seeders(monkeypatch):
    monkeypatch.setattr(registry, "_demo_seeders", {})
    return registry


def test_a_seeder_runs_after_the_ones_it_names(seeders):
    seeders.register_demo_seeder("a-evaluations", lambda out: None, after=["petitions"])
    seeders.register_demo_seeder("petitions", lambda out: None)
    seeders.register_demo_seeder("awards", lambda out: None)
    assert [key for key, _ in seeders.demo_seeders()] == ["petitions", "a-evaluations", "awards"]


def test_a_loop_is_refused(seeders):
    seeders.register_demo_seeder("a", lambda out: None, after=["b"])
    seeders.register_demo_seeder("b", lambda out: None, after=["a"])
    with pytest.raises(ValueError, match="loop"):
        seeders.demo_seeders()


def test_the_service_evaluation_seeder_names_the_petitions_seeder():
    # Alphabetical order would run them right by chance; the evaluation reads petition
    # statistics, so it must say so.
    after, _seeder = registry._demo_seeders["service-quality"]
    assert "petitions" in after
