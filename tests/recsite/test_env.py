import pytest
from django.core.exceptions import ImproperlyConfigured

from recsite.env import env_bool, env_int, env_list


def test_env_bool_accepts_the_usual_spellings(monkeypatch):
    for raw, expected in [("1", True), ("true", True), ("Yes", True), ("0", False), ("off", False)]:
        monkeypatch.setenv("X_FLAG", raw)
        assert env_bool("X_FLAG", default=not expected) is expected


def test_env_bool_rejects_a_typo_naming_the_variable(monkeypatch):
    monkeypatch.setenv("X_FLAG", "ture")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG='ture' is not a boolean"):
        env_bool("X_FLAG", default=False)


def test_env_int_enforces_its_range(monkeypatch):
    monkeypatch.setenv("X_PORT", "80")
    with pytest.raises(ImproperlyConfigured, match="outside 1024..65535"):
        env_int("X_PORT", 5000, minimum=1024, maximum=65535)
    monkeypatch.setenv("X_PORT", "eighty")
    with pytest.raises(ImproperlyConfigured, match="not an integer"):
        env_int("X_PORT", 5000)


def test_unset_or_blank_variables_use_the_default(monkeypatch):
    monkeypatch.delenv("X_HOSTS", raising=False)
    assert env_list("X_HOSTS", ["a"]) == ["a"]
    monkeypatch.setenv("X_HOSTS", "  ")
    assert env_list("X_HOSTS", ["a"]) == ["a"]
    monkeypatch.setenv("X_HOSTS", "a.example, b.example")
    assert env_list("X_HOSTS", []) == ["a.example", "b.example"]
