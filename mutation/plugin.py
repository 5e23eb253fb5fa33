"""A pytest plugin for `make mutation` only (see [tool.mutmut] in pyproject.toml):
it makes each mutant's test run cheaper without changing what the tests check.
"""

from django.conf import settings
from django.contrib.auth import hashers


def pytest_configure(config):
    # Every test that makes a user hashes its password with PBKDF2 at Django's
    # million rounds, about a CPU second each, and a mutant's tests make hundreds of
    # users. No mutated module touches passwords: MD5 does here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    hashers.get_hashers.cache_clear()
    hashers.get_hashers_by_algorithm.cache_clear()


def pytest_collection_modifyitems(items):
    # mutmut stops a mutant's run at the first failing test (-x): the example tests
    # go first, the property tests (hundreds of cases each, seconds) last.
    items.sort(key=lambda item: getattr(item.obj, "is_hypothesis_test", False))
