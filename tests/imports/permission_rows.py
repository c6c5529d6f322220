"""This area's rows of the portal-wide permission matrix (tests/test_permissions.py).

MATRIX: url name -> (path, {cast member: expected status}); paths may name objects that
``world(cast)`` returns. POSTS: action -> (path, data or a callable giving data, expected).
The helpers ``signed_in`` and ``by_reach`` and the LOGIN / ADMIN_LOGIN markers come from
``tests.permission_helpers``.
"""

from tests.permission_helpers import LOGIN, by_reach, signed_in  # noqa: F401

MATRIX: dict = {}

POSTS: dict = {}


def world(cast) -> dict:
    """The objects this area's paths name (formatting placeholders), made for agency A."""
    return {}
