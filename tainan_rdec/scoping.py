"""The one way the portal decides who may see and change a row.

Every model whose rows belong to an agency uses a queryset built on ``ScopedQuerySet``:
``Model.objects.visible_to(user)`` and ``Model.objects.editable_by(user)``. Views, exports, the
API and tasks all start from these, and fetch single objects with ``get_visible_or_404`` /
``get_editable_or_404``, so an outsider gets a 404 and never learns the row exists.

A model says where its agency is by setting ``agency_path`` on its queryset (e.g.
``"project__host_agency"``); a model with a wider rule (co-agencies, commission-owned records)
overrides ``agency_q`` or ``editable_by`` on its own queryset, nowhere else.

Senior officials (``Role.OFFICIAL``) read every agency's rows and change none; a queryset whose
rows hold personal data sets ``personal_data = True`` and they see none of its rows.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404

from tainan_rdec.choices import COMMISSION_ROLES, Role


def is_active_user(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_commission(user) -> bool:
    """RDEC reviewers, admins and superusers read every agency's data."""
    return is_active_user(user) and (user.is_superuser or user.role in COMMISSION_ROLES)


def is_admin(user) -> bool:
    return is_active_user(user) and (user.is_superuser or user.role == Role.ADMIN)


def is_official(user) -> bool:
    """A senior official (長官／首長): reads every agency's figures, changes nothing."""
    return is_active_user(user) and not user.is_superuser and user.role == Role.OFFICIAL


def reads_every_agency(user) -> bool:
    """The commission and the senior officials: pages of city-wide figures are theirs."""
    return is_commission(user) or is_official(user)


class ScopedQuerySet(models.QuerySet):
    #: Lookup path from this model to the owning Agency (a ForeignKey to Agency).
    agency_path = "agency"
    #: The rows carry personal data (個人資料保護法: a petitioner's name, phone, e-mail): the
    #: owning agency and the commission see them, senior officials never (they read the
    #: aggregated statistics instead).
    personal_data = False

    def agency_q(self, agency_id: int) -> Q:
        """Rows owned by one agency. Override for co-ownership (e.g. co-host agencies)."""
        return Q(**{self.agency_path: agency_id})

    def visible_to(self, user):
        if not is_active_user(user):
            return self.none()
        if is_commission(user):
            return self.all()
        if is_official(user):
            return self.none() if self.personal_data else self.all()
        if user.agency_id is None:
            return self.none()
        return self.filter(self.agency_q(user.agency_id))

    def editable_by(self, user):
        """Bureau roles change their own agency's rows; admins change anything.

        Reviewers change nothing by default: a model they own (reviews, audits, directives)
        says so by overriding this method. Senior officials change nothing, ever.
        """
        if not is_active_user(user):
            return self.none()
        if is_admin(user):
            return self.all()
        if is_commission(user) or is_official(user) or user.agency_id is None:
            return self.none()
        return self.filter(self.agency_q(user.agency_id))


def _queryset(model_or_queryset):
    if isinstance(model_or_queryset, models.QuerySet):
        return model_or_queryset
    return model_or_queryset._default_manager.all()


def get_visible_or_404(model_or_queryset, user, **lookup):
    """The object if ``user`` may see it, else 404 (outsiders learn nothing)."""
    try:
        return _queryset(model_or_queryset).visible_to(user).get(**lookup)
    except (models.ObjectDoesNotExist, ValueError):
        raise Http404 from None


def get_editable_or_404(model_or_queryset, user, **lookup):
    """The object if ``user`` may change it; 404 if they cannot see it, 403 if only see it."""
    obj = get_visible_or_404(model_or_queryset, user, **lookup)
    if not _queryset(model_or_queryset).editable_by(user).filter(pk=obj.pk).exists():
        raise PermissionDenied
    return obj


def role_required(*roles):
    """View decorator: logged in (else to the login page), and one of ``roles`` (else 403).

    Superusers pass. Used for pages meant for one kind of user (a reviewer dashboard); the
    rows such a page shows are still narrowed with ``visible_to``.
    """
    allowed = frozenset(roles)

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not (user.is_superuser or user.role in allowed):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
