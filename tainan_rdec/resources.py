"""The kernel's registers: agencies, users (never passwords), the working-day calendar."""

from __future__ import annotations

import difflib

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tainan_rdec.choices import AgencyKind, CalendarExceptionKind, Role
from tainan_rdec.importing import Column, RegisterResource, register
from tainan_rdec.importing.widgets import (
    LIST_SEPARATORS,
    BooleanWidget,
    ChoiceWidget,
    DateWidget,
    IntegerWidget,
    NaturalKeyListWidget,
    NaturalKeyWidget,
    TextWidget,
    cell_text,
    is_blank,
    normalize,
)
from tainan_rdec.models import Agency, CalendarException, User

AGENCY_HINT = _("機關代碼（例如 B06）、機關全名（臺南市政府工務局）或簡稱（工務局）。")
#: How alike a name must be to be offered as "是否為" (difflib's ratio).
CLOSE_ENOUGH = 0.5
MAX_SUGGESTIONS = 3
NEARLY_AS_GOOD = 0.1
CITY_PREFIXES = ("臺南市政府", "臺南市")


def _core_name(name: str) -> str:
    """A name without the city's prefix every agency shares (臺南市政府法制處 and 臺南市政府環境
    保護處 are not alike for it)."""
    for prefix in CITY_PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix) :]
    return name


class AgencyWidget(NaturalKeyWidget):
    """An agency by its code (``B06``), full name (``臺南市政府工務局``) or short name (簡稱,
    ``工務局``), with 台 read as 臺. A short name two agencies share names neither. An unknown
    agency is refused with the closest names: "找不到機關「環保處」，是否為：臺南市政府環境保護局
    （B17）？"."""

    def __init__(self, *, label=None, hint=None):
        super().__init__(
            Agency, "code", also=("name",), label=label or _("機關代碼"), hint=hint or AGENCY_HINT
        )
        self._agencies = None

    def bind(self, resource) -> None:
        super().bind(resource)
        self._agencies = None

    def lookup(self, text: str):
        key = normalize(text)
        if key not in self._cache:
            self._cache[key] = self._find(key)
        return self._cache[key]

    def _find(self, key: str):
        queryset = self.get_queryset()
        found = queryset.filter(code__in={key, key.upper()}).first()
        if found is not None:
            return found
        spelled = key.replace("台", "臺")
        found = queryset.filter(name=spelled).first()
        if found is not None:
            return found
        same_short_name = list(queryset.filter(short_name=spelled)[:2])
        return same_short_name[0] if len(same_short_name) == 1 else None

    def closest(self, text: str) -> list:
        """The agencies whose full or short name is most like ``text``, best first."""
        if self._agencies is None:
            self._agencies = list(self.get_queryset().order_by("code"))
        spelled = _core_name(normalize(text).replace("台", "臺"))
        scored = {}
        for agency in self._agencies:
            for name in (agency.name, agency.short_name):
                if not name:
                    continue
                ratio = difflib.SequenceMatcher(None, spelled, _core_name(name)).ratio()
                if ratio >= CLOSE_ENOUGH and ratio > scored.get(agency, 0):
                    scored[agency] = ratio
        if not scored:
            return []
        # Only the best and those nearly as good: 工務處 is 工務局, not also 工務局公園管理處.
        best = max(scored.values())
        ranked = sorted(
            (agency for agency, ratio in scored.items() if ratio >= best - NEARLY_AS_GOOD),
            key=lambda agency: (-scored[agency], agency.code),
        )
        return ranked[:MAX_SUGGESTIONS]

    def not_found(self, text: str) -> str:
        close = self.closest(text)
        if not close:
            return _("找不到{label}「{text}」。").format(label=self.label, text=text)
        return _("找不到機關「{text}」，是否為：{agencies}？").format(
            text=text, agencies="、".join(f"{a.name}（{a.code}）" for a in close)
        )

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        text = cell_text(value)
        found = self.lookup(text)
        if found is None:
            raise ValueError(self.not_found(text))
        return found


class AgencyListWidget(NaturalKeyListWidget):
    """Several agencies in one cell (``B06、水利局``), each read as ``AgencyWidget`` reads one."""

    def __init__(self, *, label=None):
        super().__init__(Agency, "code", also=("name",), label=label)
        self.one = AgencyWidget(label=label)
        self.format_hint = _("機關代碼、全名或簡稱，多個時以「、」分隔。")

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return []
        found = []
        for part in LIST_SEPARATORS.split(cell_text(value)):
            if not part.strip():
                continue
            agency = self.one.lookup(part)
            if agency is None:
                raise ValueError(self.one.not_found(part.strip()))
            if agency not in found:
                found.append(agency)
        return found


def agency_widget(*, label=None):
    """An agency by its code (``B06``), full name or short name (``工務局``)."""
    return AgencyWidget(label=label)


def agency_list_widget(*, label=None):
    return AgencyListWidget(label=label)


@register("agencies", label=_("機關"), order=10)
class AgencyResource(RegisterResource):
    """The city's agencies by code; a parent may be listed in the same file, before or after."""

    code = Column("code", "機關代碼", required=True, example="B30", help=_("唯一的機關代碼。"))
    name = Column("name", "機關名稱", required=True, example="臺南市政府範例局")
    short_name = Column("short_name", "簡稱", example="範例局")
    kind = Column(
        "kind", "機關類別", ChoiceWidget(AgencyKind), required=True, example="一級機關/局處"
    )
    parent = Column("parent", "上級機關代碼", agency_widget(label=_("上級機關代碼")), example="")
    active = Column("active", "使用中", BooleanWidget(default=True), example="是")
    sort_order = Column("sort_order", "排序", IntegerWidget(), example=300)
    head_contact_name = Column("head_contact_name", "首長聯絡窗口", example="王秘書")
    head_contact_email = Column(
        "head_contact_email", "首長聯絡窗口電子郵件", example="secretary@example.tainan.gov.tw"
    )

    export_select_related = ("parent",)

    class Meta:
        model = Agency
        fields = (
            "code",
            "name",
            "short_name",
            "kind",
            "parent",
            "active",
            "sort_order",
            "head_contact_name",
            "head_contact_email",
        )
        import_id_fields = ("code",)

    def before_import(self, dataset, **kwargs):
        # A parent listed later in the same file must exist before its children: move each
        # row after the row of its parent (row numbers travel with the rows).
        headers = dataset.headers
        if "機關代碼" not in headers or "上級機關代碼" not in headers:
            return
        rows = list(dataset)
        code_at = headers.index("機關代碼")
        parent_at = headers.index("上級機關代碼")
        by_code = {normalize(cell_text(r[code_at])): r for r in rows}
        ordered, placed = [], set()

        def place(row, trail=()):
            code = normalize(cell_text(row[code_at]))
            if code in placed or code in trail:
                return
            parent = by_code.get(normalize(cell_text(row[parent_at])))
            if parent is not None and parent is not row:
                place(parent, (*trail, code))
            placed.add(code)
            ordered.append(row)

        for row in rows:
            place(row)
        ordered += [r for r in rows if all(r is not o for o in ordered)]
        dataset.wipe()
        dataset.headers = headers
        for row in ordered:
            dataset.append(row)

    def check_row(self, instance, row):
        if instance.parent_id is not None and instance.parent_id == instance.pk:
            raise ValidationError({"parent": _("上級機關不可為本機關。")})


@register("users", label=_("使用者"), order=20)
class UserResource(RegisterResource):
    """People who sign in, with their agency and role. Passwords are never imported or
    exported: a new user sets one through 「忘記密碼」."""

    username = Column("username", "帳號", required=True, example="example.wang")
    last_name = Column("last_name", "姓", example="王")
    first_name = Column("first_name", "名", example="大明")
    email = Column("email", "電子郵件", example="wang.dam@example.tainan.gov.tw")
    agency = Column(
        "agency",
        "所屬機關代碼",
        agency_widget(),
        example="B06",
        help=_("局處填報人員與局處主管必填；長官／首長不填。"),
    )
    role = Column("role", "角色", ChoiceWidget(Role), required=True, example="局處填報人員")
    title = Column("title", "職稱", example="科員")
    phone = Column("phone", "聯絡電話", example="06-2991111#1234")
    is_active = Column("is_active", "啟用", BooleanWidget(default=True), example="是")

    scope = None  # the admin site's rule: only admins reach imports at all
    export_select_related = ("agency",)

    class Meta:
        model = User
        fields = (
            "username",
            "last_name",
            "first_name",
            "email",
            "agency",
            "role",
            "title",
            "phone",
            "is_active",
        )
        import_id_fields = ("username",)

    def check_row(self, instance, row):
        if instance.pk is not None and instance.is_superuser and self.user is not None:
            stored = User.objects.get(pk=instance.pk)
            if stored.role != instance.role or stored.is_active != instance.is_active:
                raise ValidationError(
                    {"role": _("超級使用者的角色與啟用狀態不能以匯入修改，請在系統管理頁面處理。")}
                )

    def complete_instance(self, instance, row):
        if instance.pk is None and not instance.password:
            instance.set_unusable_password()


# -- the working-day calendar ------------------------------------------------------------------


class CalendarExceptionKindWidget(ChoiceWidget):
    """The 類別 column: the full label, 放假 / 上班 for short, or the stored value."""

    def __init__(self, **kwargs):
        super().__init__(
            CalendarExceptionKind,
            aliases={
                "停止上班": CalendarExceptionKind.DAY_OFF,
                "放假": CalendarExceptionKind.DAY_OFF,
                "颱風停班": CalendarExceptionKind.DAY_OFF,
                "照常上班": CalendarExceptionKind.WORKING_DAY,
                "上班": CalendarExceptionKind.WORKING_DAY,
                "補班": CalendarExceptionKind.WORKING_DAY,
            },
            **kwargs,
        )

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row=row, **kwargs)
        except ValueError:
            raise ValueError(
                _("無法辨識的類別「{text}」，請填「放假」或「上班」。").format(
                    text=cell_text(value)
                )
            ) from None


# Kept for callers of the first version of this module.
RocDateWidget = DateWidget


@register("calendar", label=_("辦公日曆例外"), order=30)
class CalendarExceptionResource(RegisterResource):
    """Local office-calendar exceptions, one row per date; a date already entered is updated."""

    date = Column("date", "日期", DateWidget(), required=True, example="113/08/02")
    kind = Column(
        "kind", "類別", CalendarExceptionKindWidget(), required=True, example="停止上班（放假）"
    )
    reason = Column(
        "reason",
        "事由",
        TextWidget(),
        required=True,
        example="範例：颱風停止上班",
        help=_("最多100字。"),
    )

    scope = None

    class Meta:
        model = CalendarException
        fields = ("date", "kind", "reason")
        import_id_fields = ("date",)
