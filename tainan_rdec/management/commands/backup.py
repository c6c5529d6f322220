"""Back up the database and the uploaded files (tainan_rdec.backups).

python manage.py backup                       # into BACKUP_DIR, keeping BACKUP_KEEP
python manage.py backup --dir /mnt/nas/rdec --keep 30
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from tainan_rdec.backups import BackupError, create_backup


class Command(BaseCommand):
    help = _(
        "備份資料庫（PostgreSQL 以 pg_dump -Fc）與上傳檔案到 BACKUP_DIR 下以時間命名的資料夾，"
        "只保留最新 BACKUP_KEEP 份。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, help=_("備份資料夾（預設 BACKUP_DIR）"))
        parser.add_argument("--keep", type=int, help=_("保留最新幾份（預設 BACKUP_KEEP）"))

    def handle(self, *args, dir, keep, **options):
        directory = dir or Path(settings.BACKUP_DIR)
        try:
            made = create_backup(directory, keep=settings.BACKUP_KEEP if keep is None else keep)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            _(
                "已備份至 {path}：{tables} 個資料表 {rows:,} 筆、上傳檔案 {files:,} 個，"
                "共 {size}，費時 {seconds:.1f} 秒。"
            ).format(
                path=made.path,
                tables=made.tables,
                rows=made.rows,
                files=made.media_files,
                size=filesizeformat(made.size),
                seconds=made.seconds,
            )
        )
        for path in made.removed:
            self.stdout.write(_("已刪除較舊的備份 {path}").format(path=path))
