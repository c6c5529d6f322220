"""Restore a backup made by ``manage.py backup`` (tainan_rdec.backups).

    python manage.py restore latest               # the newest in BACKUP_DIR
    python manage.py restore backups/rdec-20250326-023000
    python manage.py restore latest --force       # replace a database that has data

Stop the web and worker processes first; run ``manage.py migrate`` after restoring an older
backup into newer code.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tainan_rdec.backups import BackupError, find_backup, restore_backup


class Command(BaseCommand):
    help = _(
        "把 manage.py backup 的備份還原到空的資料庫與上傳檔案資料夾；"
        "已有資料時須加 --force 才會取代。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "backup", help=_("備份資料夾，或 BACKUP_DIR 中的備份名稱，或 latest（最新一份）")
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help=_("資料庫或上傳檔案資料夾已有資料時，仍以備份取代"),
        )
        parser.add_argument("--dir", type=Path, help=_("備份資料夾（預設 BACKUP_DIR）"))

    def handle(self, *args, backup, force, dir, **options):
        try:
            path = find_backup(backup, dir or Path(settings.BACKUP_DIR))
            restored = restore_backup(path, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            _(
                "已從 {path} 還原：{tables} 個資料表 {rows:,} 筆（與備份相符）、"
                "上傳檔案 {files:,} 個，費時 {seconds:.1f} 秒。"
            ).format(
                path=restored.path,
                tables=restored.tables,
                rows=restored.rows,
                files=restored.media_files,
                seconds=restored.seconds,
            )
        )
