"""The base every register's resource builds on: Chinese columns with their help, natural keys,
duplicate rows caught, the importing user's scope, all-or-nothing.

A resource declares its columns as ``Column`` fields and ``Meta.fields`` in the order the file
shows them; ``Meta.import_id_fields`` are the natural key (never a database id). Rules beyond
the model's own validation (what the edit form's service checks) go in ``check_row``.
"""

from __future__ import annotations

import datetime
import functools
from decimal import Decimal

from django.core.exceptions import (
    NON_FIELD_ERRORS,
    MultipleObjectsReturned,
    ValidationError,
)
from django.db import models
from django.db.models.expressions import DatabaseDefault
from django.db.models.fields import NOT_PROVIDED
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets
from import_export.results import RowResult

from tainan_rdec.importing.problems import ImportCancelled
from tainan_rdec.importing.widgets import TextWidget, is_blank, normalize

# The most readings of cells and checks of values an import remembers (see ``cell_key`` and
# ``_clean_fields``): enough for every choice, code and day of five years, and flat in memory.
MEMO_LIMIT = 100_000

# A hidden column the import adds to every row: the row's number in the user's spreadsheet,
# so that messages point at the row the user sees even after empty rows were dropped.
ROW_NUMBER_COLUMN = "__row__"

NUL_MESSAGE = gettext_lazy(
    "含有 NUL 空字元（\\x00），無法儲存；請刪除該字元（常見於從其他系統匯出的檔案）後再匯入。"
)


class Column(fields.Field):
    """One column of a register's file: Chinese header, help for the explanation sheet, an
    example for the template, other headers accepted for it (``aliases``)."""

    def __init__(
        self,
        attribute=None,
        column_name=None,
        widget=None,
        *,
        required=False,
        help="",
        example=None,
        aliases=(),
        readonly=False,
        **kwargs,
    ):
        super().__init__(
            attribute=attribute,
            column_name=column_name,
            widget=widget or TextWidget(),
            readonly=readonly,
            **kwargs,
        )
        self.required = required
        self.help = help
        self.example = example
        self.aliases = tuple(aliases)

    @property
    def format_hint(self) -> str:
        return str(getattr(self.widget, "format_hint", "") or "")

    def allowed_values(self) -> list[str]:
        getter = getattr(self.widget, "allowed_values", None)
        return getter() if getter else []

    def cell_key(self, row):
        """The key under which this column's reading of the row may be remembered for the rest
        of one import (see ``PortalWidget.cell_key``), or ``None``."""
        if self.default is not NOT_PROVIDED and callable(self.default):
            return None  # a default computed afresh (a moment, say)
        key = getattr(self.widget, "cell_key", None)
        return None if key is None else key(row.get(self.column_name), row)

    def clean(self, row, **kwargs):
        value = row.get(self.column_name)
        # A CSV carries NUL bytes into the cells (an xlsx cannot: see files.py). PostgreSQL
        # refuses them in text with an English error at the save; SQLite would store them.
        if isinstance(value, str) and "\x00" in value:
            raise ValueError(str(NUL_MESSAGE))
        # A widget that reads blanks itself (an edit form's field) gives the form's message.
        handles_blank = getattr(self.widget, "handles_blank", False)
        if self.required and not handles_blank and is_blank(value):
            raise ValueError(_("此欄必填。"))
        return super().clean(row, **kwargs)


_REMEMBERED_VALUES = (bool, int, Decimal, datetime.date)
# The types of the values in Django's ``Field.empty_values`` (None, "", [], (), {}): a blank
# field's check skips a value equal to one of them, which no value of another type is.
_EMPTY_TYPES = (type(None), str, list, tuple, dict)
_UNSET = object()


@functools.cache
def _field_plan(model) -> list[tuple]:
    """A model's fields that ``clean_fields`` checks, each as ``(name, attname, the values it
    skips when blank or None, its check, the types of value whose check is worth
    remembering)``: choices, numbers, flags and days. Relations (their check is a query), free
    text (nearly all distinct) and moments (equal across time zones, nearly all distinct) are
    checked each time; the exact type is compared, so a ``datetime`` or a ``bool`` never takes
    the ``date`` or ``int`` path."""
    plan = []
    for field in model._meta.fields:
        if field.generated:
            continue
        if field.is_relation:
            remembered = ()
        elif field.choices:
            remembered = (str, *_REMEMBERED_VALUES)
        else:
            remembered = _REMEMBERED_VALUES
        empty = field.empty_values if field.blank else ()
        plan.append((field.name, field.attname, empty, field.clean, frozenset(remembered)))
    return plan


def _hashable(value):
    if isinstance(value, models.Model):
        return (type(value), value.pk)
    if isinstance(value, str):
        return normalize(value)
    return value


class _NoDiff:
    """django-import-export's ``Diff`` without its work. The diff exports every column of each
    row twice, before and after the save (a query for each many-to-many column and each related
    row not at hand), only to draw an HTML comparison nobody here shows (``skip_html_diff``).
    ``skip_row`` (what finds an unchanged row) compares the instances themselves, not this."""

    def __init__(self, resource, instance, new):
        pass

    def compare_with(self, resource, instance):
        pass

    def as_html(self):
        return []


class RegisterResource(resources.ModelResource):
    """Base of the registers' resources (see the module docstring)."""

    #: set by ``tainan_rdec.importing.registry.register``
    register_name = ""
    register_label = ""
    #: how the model's rows are scoped to the importing user: rows are looked up among those
    #: ``visible_to`` the user; with "editable" (the default) a row may change only if it is
    #: ``editable_by`` the user too; "visible" leaves that to the resource's own rules; None
    #: for tables without scoping
    scope = "editable"
    #: related rows an export reads with each row (no query per row)
    export_select_related: tuple[str, ...] = ()
    export_prefetch_related: tuple[str, ...] = ()
    #: fields the import sets itself, not from the file (who created a row), which the model's
    #: validation would otherwise ask for
    unvalidated_fields: tuple[str, ...] = ()
    #: the most rows of data one file may hold, when the register needs a limit of its own
    #: (None: the settings' IMPORT_MAX_ROWS, or IMPORT_MAX_FAST_ROWS on a fast path; see
    #: ``runner.row_limit``)
    max_rows: int | None = None

    class Meta:
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        skip_html_diff = True
        use_transactions = True

    def __init__(self, user=None, progress=None, cancelled=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        #: ``progress(done, failed)`` after each row; ``cancelled()`` before each row, True
        #: to stop the import (it is rolled back)
        self.progress = progress
        self.cancelled = cancelled
        self.row_number = None
        self.row = None
        self.is_new = False
        self._seen_keys: dict = {}
        self._sheet_rows: dict[int, int] = {}
        self._done = 0
        self._failed = 0
        #: problems found after the rows (e.g. a whole S-curve refused), see import_problems
        self.extra_problems = []
        self._field_checks: dict = {}
        self._foreign_key_columns = None
        for field in self.fields.values():
            bind = getattr(field.widget, "bind", None)
            if bind is not None:
                bind(self)

    def get_diff_class(self):
        return _NoDiff

    # -- columns ---------------------------------------------------------------------------

    def sheet_title(self) -> str:
        """The data sheet's name in templates and exports (Excel allows 31 characters)."""
        title = str(self.register_label or self._meta.model._meta.verbose_name_plural)
        return "".join(ch for ch in title if ch not in "[]:*?/\\")[:31]

    def columns(self) -> list[Column]:
        """Every column in file order (export columns; read-only ones are export-only)."""
        return self.get_export_fields()

    def import_columns(self) -> list[Column]:
        return [c for c in self.columns() if not c.readonly]

    def get_import_fields(self):
        # Export-only columns (derived figures) are never read, nor compared for "unchanged".
        return [f for f in super().get_import_fields() if not f.readonly]

    def key_columns(self) -> list[Column]:
        return [self.fields[name] for name in self.get_import_id_fields()]

    def column_name_for(self, attribute: str) -> str | None:
        """The header of the column that sets ``attribute`` (for messages)."""
        for field in self.fields.values():
            if attribute in (field.attribute, field.column_name):
                return field.column_name
        try:
            return str(self._meta.model._meta.get_field(attribute).verbose_name)
        except Exception:
            return None

    # -- querysets -------------------------------------------------------------------------

    def get_queryset(self):
        """Rows a file's keys are looked up in: those the user may see."""
        queryset = self._meta.model._default_manager.all()
        if self.scope and self.user is not None and hasattr(queryset, "visible_to"):
            queryset = queryset.visible_to(self.user)
        return queryset

    def check_editable(self, instance) -> None:
        if instance.pk is None or self.scope != "editable" or self.user is None:
            return
        queryset = self._meta.model._default_manager.all()
        if hasattr(queryset, "editable_by") and not (
            queryset.editable_by(self.user).filter(pk=instance.pk).exists()
        ):
            raise ValidationError(_("您沒有權限修改這筆資料。"))

    def export_queryset(self, queryset=None):
        """The rows an export writes: ``queryset`` (e.g. a filtered list) within what the user
        may see, with the related rows each row shows."""
        queryset = self._meta.model._default_manager.all() if queryset is None else queryset
        if self.user is not None and hasattr(queryset, "visible_to"):
            queryset = queryset.visible_to(self.user)
        if self.export_select_related:
            queryset = queryset.select_related(*self.export_select_related)
        if self.export_prefetch_related:
            queryset = queryset.prefetch_related(*self.export_prefetch_related)
        if not queryset.query.order_by and queryset.model._meta.ordering:
            # Spelled out: with related rows prefetched, django-import-export pages through
            # the rows and would otherwise order them by id, not as the list shows them.
            queryset = queryset.order_by(*queryset.model._meta.ordering)
        return queryset

    # -- import ----------------------------------------------------------------------------

    def import_data(self, dataset, *args, rollback_on_validation_errors=True, **kwargs):
        # A register file is all or nothing: any bad row rolls the good ones back too.
        return super().import_data(
            dataset, *args, rollback_on_validation_errors=rollback_on_validation_errors, **kwargs
        )

    def before_import_row(self, row, **kwargs):
        self.row = row
        number = row.get(ROW_NUMBER_COLUMN)
        index = kwargs.get("row_number", 0)
        # Without the hidden column (a dataset built by hand), data row n is sheet row n + 1.
        self.row_number = number if number is not None else index + 1
        self._sheet_rows[index] = self.row_number

    def sheet_row(self, index: int) -> int:
        """The spreadsheet row of django-import-export's row ``index`` (1-based, in import
        order, which ``before_import`` may have changed)."""
        return self._sheet_rows.get(index, index + 1)

    def after_init_instance(self, instance, new, row, **kwargs):
        self.is_new = new

    def row_key(self, row) -> tuple:
        """The row's natural key, read with the key columns' widgets."""
        key, errors = [], {}
        for column in self.key_columns():
            try:
                value = column.clean(row)
            except ValueError as error:
                errors[column.attribute] = [str(error)]
                continue
            if value in (None, "") and column.required:
                errors[column.attribute] = [_("此欄必填。")]
            key.append(_hashable(value))
        if errors:
            raise ValidationError(errors)
        return tuple(key)

    def get_or_init_instance(self, instance_loader, row):
        key = self.row_key(row)
        first = self._seen_keys.setdefault(key, self.row_number)
        if first != self.row_number:
            names = "".join(f"「{c.column_name}」" for c in self.key_columns())
            raise ValidationError(
                {
                    NON_FIELD_ERRORS: [
                        _("與第{row}列重複（{columns}相同），同一筆資料只能出現一次。").format(
                            row=first, columns=names
                        )
                    ]
                }
            )
        return super().get_or_init_instance(instance_loader, row)

    def get_instance(self, instance_loader, row):
        try:
            return super().get_instance(instance_loader, row)
        except ValueError as error:
            # A key cell that cannot be read is the row's error, not a crash of the import.
            raise ValidationError({NON_FIELD_ERRORS: [str(error)]}) from error
        except MultipleObjectsReturned:
            raise ValidationError(
                {NON_FIELD_ERRORS: [_("資料庫中有多筆資料符合此列，無法判斷要更新哪一筆。")]}
            ) from None

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        # Many-to-many cells are saved after the row; read them now so that an unknown code is
        # this row's validation error rather than a failure after the save.
        for field in self.get_import_fields():
            if isinstance(field.widget, widgets.ManyToManyWidget) and field.column_name in row:
                try:
                    field.clean(row)
                except ValueError as error:
                    errors.setdefault(field.attribute, []).append(str(error))
        if errors:
            raise ValidationError(errors)

    def import_problems(self) -> list:
        """Problems found beyond single rows (``ImportProblem``), e.g. in ``after_import``."""
        return list(self.extra_problems)

    def complete_instance(self, instance, row) -> None:
        """Fill what the file does not carry (values the services derive) before validation."""

    def check_row(self, instance, row) -> None:
        """Rules the edit form or its service applies beyond the model's own validation.
        Raise ``ValidationError`` (a dict by attribute) to refuse the row. Attributes whose
        cells could not be read are ``None`` here."""

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        try:
            self.check_editable(instance)
            self.complete_instance(instance, self.row)
            self.check_row(instance, self.row)
        except ValidationError as error:
            for name, messages in error.update_error_dict({}).items():
                if name not in errors:
                    errors[name] = messages
        self.full_clean(instance, errors, validate_unique=validate_unique)

    def _looked_up(self, instance) -> set[str]:
        """Foreign keys this row set from rows the widgets just read from the database."""
        if self._foreign_key_columns is None:
            # (field, its id attribute), worked out once: this runs on every row.
            self._foreign_key_columns = [
                (column.attribute, f"{column.attribute}_id")
                for column in self.get_import_fields()
                if isinstance(column.widget, widgets.ForeignKeyWidget)
            ]
        return {
            name
            for name, id_name in self._foreign_key_columns
            if getattr(instance, id_name, None) is not None
        }

    def _clean_fields(self, instance, exclude: set[str]) -> None:
        """``Model.clean_fields`` (Django 5.2's loop, kept in step with it), with each field's
        check of a value remembered for the import: ``Field.clean`` of a field that is not a
        relation depends only on the value, and a register repeats a few values (a channel, a
        status, a day) on most of its rows."""
        errors = {}
        checks = self._field_checks
        values = instance.__dict__
        for name, attname, empty, check, remembered in _field_plan(type(instance)):
            if name in exclude:
                continue
            raw_value = values.get(attname, _UNSET)
            if raw_value is _UNSET:  # a deferred field: read as Django reads it
                raw_value = getattr(instance, attname)
            if empty and isinstance(raw_value, _EMPTY_TYPES) and raw_value in empty:
                continue
            if isinstance(raw_value, DatabaseDefault):
                continue
            kind = type(raw_value)
            key = (attname, kind, raw_value) if kind in remembered else None
            found = checks.get(key) if key is not None else None
            if found is None:
                try:
                    found = (True, check(raw_value, instance))
                except ValidationError as error:
                    found = (False, error.error_list)
                if key is not None and len(checks) < MEMO_LIMIT:
                    checks[key] = found
            ok, result = found
            if not ok:
                errors[name] = result
            elif result is not raw_value:
                setattr(instance, attname, result)
        if errors:
            raise ValidationError(errors)

    def full_clean(self, instance, errors: dict, *, validate_unique=True) -> None:
        """``Model.full_clean`` step by step, less one query per foreign key: a key found by
        its natural key a moment ago exists, so its field is not looked up again (uniqueness
        and constraints involving it are still checked)."""
        skip = {*errors, *self.unvalidated_fields}

        def collect(check, **kwargs):
            nonlocal errors
            try:
                check(**kwargs)
            except ValidationError as error:
                errors = error.update_error_dict(errors)

        collect(self._clean_fields, instance=instance, exclude=skip | self._looked_up(instance))
        collect(instance.clean)
        # Like full_clean: uniqueness and constraints only over fields that passed.
        skip |= {name for name in errors if name != NON_FIELD_ERRORS}
        if validate_unique:
            collect(instance.validate_unique, exclude=skip)
        collect(instance.validate_constraints, exclude=skip)
        if errors:
            raise ValidationError(errors)

    def before_save_instance(self, instance, row, **kwargs):
        # Models with django-simple-history record who imported and why.
        instance._history_user = self.user
        instance._change_reason = _("批次匯入")

    def import_row(self, row, instance_loader, **kwargs):
        # Checked outside django-import-export's per-row error handling, so that the
        # exception ends the whole import instead of becoming this row's error.
        if self.cancelled is not None and self.cancelled():
            raise ImportCancelled
        row_result = super().import_row(row, instance_loader, **kwargs)
        # Counted here, not in after_import_row, which a row with an error never reaches.
        self._done += 1
        if row_result.import_type in (RowResult.IMPORT_TYPE_ERROR, RowResult.IMPORT_TYPE_INVALID):
            self._failed += 1
        if self.progress is not None:
            self.progress(self._done, self._failed)
        return row_result
