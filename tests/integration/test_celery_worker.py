import email
import email.policy

import pytest

from tainan_rdec.choices import Role
from tainan_rdec.models import Agency, User
from tainan_rdec.tasks import send_user_email

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


def test_a_real_worker_runs_a_task_end_to_end(celery_worker_process):
    queue, mail_dir, log_path = celery_worker_process
    agency = Agency.objects.create(code="ITEST", name="整合測試機關", kind="other")
    user = User.objects.create(
        username="filer", role=Role.BUREAU_STAFF, agency=agency, email="filer@tainan.gov.tw"
    )

    result = send_user_email.apply_async(
        args=[user.pk, "【管考入口網】測試通知", "本月填報期限為113年4月10日。"], queue=queue
    )

    try:
        assert result.get(timeout=90) is True
    except Exception:
        print(log_path.read_text())
        raise
    # The worker read the user from the shared PostgreSQL test database and sent through
    # the file backend: one file per connection, the message followed by a line of dashes.
    files = list(mail_dir.iterdir())
    assert len(files) == 1
    raw = files[0].read_bytes().rsplit(b"\n" + b"-" * 79, 1)[0]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["To"] == "filer@tainan.gov.tw"
    assert message["Subject"] == "【管考入口網】測試通知"
    assert "113年4月10日" in message.get_content()


def test_a_task_for_a_user_without_an_address_sends_nothing(celery_worker_process):
    queue, mail_dir, _ = celery_worker_process
    user = User.objects.create(username="nomail", role=Role.REVIEWER)

    result = send_user_email.apply_async(args=[user.pk, "主旨", "內容"], queue=queue)

    assert result.get(timeout=90) is False
    assert list(mail_dir.iterdir()) == []
