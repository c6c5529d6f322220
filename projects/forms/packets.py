"""Forms that request a meeting packet: a quarter's promotion packet or a meeting's agenda."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects.choices import MeetingKind, PacketKind
from projects.models import Packet, ReviewMeeting
from projects.packets import agenda_title, quarter_bounds, quarterly_title
from tainan_rdec.months import add_months, month_start
from tainan_rdec.roc import ROC_OFFSET, format_roc_date

FIRST_ROC_YEAR = 108  # the commission's figures start with 108年
AGENDA_MONTHS = 3  # the monthly agenda shows the reports of the last three months


class QuarterlyPacketForm(forms.Form):
    """重大公共建設推動會報資料 for an ROC year and quarter."""

    year = forms.TypedChoiceField(label=gettext_lazy("年度"), coerce=int, choices=[])
    quarter = forms.TypedChoiceField(
        label=gettext_lazy("季別"),
        coerce=int,
        choices=[(q, gettext_lazy("第{q}季").format(q=q)) for q in (1, 2, 3, 4)],
    )

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        last = today.year - ROC_OFFSET
        self.fields["year"].choices = [
            (year, _("{year}年").format(year=year)) for year in range(last, FIRST_ROC_YEAR - 1, -1)
        ]
        self.fields["year"].initial = last
        self.fields["quarter"].initial = (today.month - 1) // 3 + 1

    def packet(self, by) -> Packet:
        start, end = quarter_bounds(
            self.cleaned_data["year"] + ROC_OFFSET, self.cleaned_data["quarter"]
        )
        return Packet(
            kind=PacketKind.QUARTERLY,
            period_start=start,
            period_end=end,
            title=quarterly_title(start),
            requested_by=by,
        )


class AgendaPacketForm(forms.Form):
    """The agenda packet of a monthly review meeting."""

    meeting = forms.ModelChoiceField(
        label=gettext_lazy("檢討會議"),
        queryset=ReviewMeeting.objects.filter(kind=MeetingKind.MONTHLY).order_by("-date", "-pk"),
        empty_label=None,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].label_from_instance = lambda m: (
            f"{format_roc_date(m.date)} {m.title}"
        )

    def packet(self, by) -> Packet:
        meeting = self.cleaned_data["meeting"]
        return Packet(
            kind=PacketKind.MONTHLY_AGENDA,
            period_start=add_months(month_start(meeting.date), -AGENDA_MONTHS),
            period_end=meeting.date,
            meeting=meeting,
            title=agenda_title(meeting),
            requested_by=by,
        )
