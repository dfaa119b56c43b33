"""Write monitoring.fit: the golden day (same_day.md) as a Garmin FIT monitoring file.

Run with the test extra installed: ``.venv/bin/python tests/activity/data/make_fit.py``.
Written with fit-tool (PyPI ``fit-tool``, BSD-3-Clause), a FIT encoder that follows the
Garmin FIT SDK profile (monitoring = global message 55, monitoring_info = 103): cumulative
walking steps since the monitoring_info timestamp (local midnight), one reading a quarter hour
around the walks, times in UTC with the local offset given by monitoring_info.local_timestamp.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from fit_tool.fit_file_builder import FitFileBuilder
from fit_tool.profile.messages.file_id_message import FileIdMessage
from fit_tool.profile.messages.monitoring_info_message import MonitoringInfoMessage
from fit_tool.profile.messages.monitoring_message import MonitoringMessage
from fit_tool.profile.profile_type import ActivityType, FileType, Manufacturer

FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)
OFFSET = timedelta(hours=1)
MIDNIGHT_UTC = datetime(2026, 11, 1, 23, 0, tzinfo=UTC)   # 2026-11-02 00:00 at +01:00
# (UTC time of day, cumulative walking steps)
READINGS = [("06:30", 0), ("06:45", 600), ("07:00", 600), ("07:15", 1650), ("11:00", 1650),
            ("11:30", 4050), ("17:15", 4050), ("17:30", 4950)]


def ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def main() -> None:
    builder = FitFileBuilder(auto_define=True, min_string_size=50)
    file_id = FileIdMessage()
    file_id.type = FileType.MONITORING_B
    file_id.manufacturer = Manufacturer.GARMIN.value
    file_id.product = 3113  # a Forerunner 945 product id; the name shown comes from manufacturer
    file_id.serial_number = 0x12345678
    file_id.time_created = ms(MIDNIGHT_UTC)
    builder.add(file_id)
    info = MonitoringInfoMessage()
    info.timestamp = ms(MIDNIGHT_UTC)
    info.local_timestamp = int((MIDNIGHT_UTC + OFFSET - FIT_EPOCH).total_seconds())
    builder.add(info)
    for clock, steps in READINGS:
        hour, minute = (int(x) for x in clock.split(":"))
        message = MonitoringMessage()
        message.timestamp = ms(datetime(2026, 11, 2, hour, minute, tzinfo=UTC))
        message.activity_type = ActivityType.WALKING
        message.steps = steps
        builder.add(message)
    builder.build().to_file(str(Path(__file__).parent.joinpath("same_day", "monitoring.fit")))


if __name__ == "__main__":
    main()
