"""Logs never carry secrets or students' personal data."""

from lienthong.config.logging import redact


def test_secret_and_personal_fields_are_masked():
    event = redact(
        None,
        "info",
        {
            "event": "pulled",
            "platform": "vnedu",
            "token": "abc",
            "client_secret": "s",
            "ho_ten": "Nguyễn Thị Hoà",
            "ngay_sinh": "05/09/2014",
            "so_dinh_danh_ca_nhan": "079214000123",
            "records": 12,
        },
    )
    assert event["token"] == event["client_secret"] == event["ho_ten"] == event["ngay_sinh"] == "***"
    assert event["so_dinh_danh_ca_nhan"] == "***" and event["records"] == 12 and event["platform"] == "vnedu"


def test_ids_and_bearer_tokens_inside_text_are_masked():
    event = redact(None, "info", {"event": "push failed for 1800576647 and 079214000123 with Bearer eyJhbGciOi.x"})
    assert "1800576647" not in event["event"] and "079214000123" not in event["event"]
    assert "eyJhbGciOi" not in event["event"] and "<id>" in event["event"]
