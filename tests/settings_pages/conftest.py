from tests.settings_fixtures import fast_passwords  # noqa: F401
