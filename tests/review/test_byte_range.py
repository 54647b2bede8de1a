"""Byte ranges for the media view: the parser, and the view answering 206/416 with the right
slice, audited per request."""
import pytest
from django.urls import reverse

from liveness.cases.models import AuditEvent
from liveness.review.byte_range import RangeNotSatisfiable, byte_range
from tests.conftest import staff_login


@pytest.mark.parametrize(("header", "expected"), [
    ("bytes=0-99", (0, 99)),
    ("bytes=100-", (100, 999)),
    ("bytes=-50", (950, 999)),
    ("bytes=-5000", (0, 999)),  # longer than the body: all of it
    ("bytes=990-2000", (990, 999)),  # the end is clipped
    ("BYTES = 5-5", (5, 5)),
    (None, None), ("", None),
    ("bytes=0-10,20-30", None),  # several ranges: the whole body
    ("items=0-10", None), ("bytes=abc-", None), ("bytes=5", None), ("bytes=-", None),
    ("bytes=10-5", None),  # not a valid range: ignored
    ("bytes=+5-10", None),
])
def test_the_parser_takes_one_range_and_ignores_what_it_does_not_understand(header, expected):
    assert byte_range(header, 1000) == expected


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5000-6000", "bytes=-0"])
def test_a_range_past_the_end_is_not_satisfiable(header):
    with pytest.raises(RangeNotSatisfiable):
        byte_range(header, 1000)


@pytest.mark.django_db
def test_the_media_view_serves_the_slice_asked_for_and_audits_each_request(client, reviewer, review_case):
    staff_login(client, reviewer)
    url = reverse("dashboard:media", kwargs={"public_id": review_case.public_id, "blob_id": review_case.selfie_blob.id})
    data = review_case.selfie_bytes

    whole = client.get(url)
    head = client.get(url, HTTP_RANGE="bytes=0-99")
    tail = client.get(url, HTTP_RANGE="bytes=-10")
    past = client.get(url, HTTP_RANGE=f"bytes={len(data)}-")

    assert whole.status_code == 200 and whole.content == data and whole["Accept-Ranges"] == "bytes"
    assert head.status_code == 206 and head.content == data[:100]
    assert head["Content-Range"] == f"bytes 0-99/{len(data)}" and head["Content-Length"] == "100"
    assert tail.status_code == 206 and tail.content == data[-10:]
    assert past.status_code == 416 and past["Content-Range"] == f"bytes */{len(data)}" and past.content == b""
    for response in (head, tail, past):
        assert "no-store" in response["Cache-Control"] and response["X-Content-Type-Options"] == "nosniff"
    ranges = [e.details.get("range") for e in AuditEvent.objects.filter(action="media.viewed").order_by("pk")]
    assert ranges == [None, "bytes=0-99", "bytes=-10", f"bytes={len(data)}-"]


@pytest.mark.parametrize("header", ["bytes=²-", "bytes=0-²", "bytes=-٣"])
def test_digits_that_are_not_ascii_are_not_understood(header):
    """``"²".isdigit()`` is true but ``int("²")`` fails: such a header is ignored, not a 500."""
    assert byte_range(header, 1000) is None


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["bytes=" + "9" * 5000 + "-", "bytes=0-" + "9" * 5000, "bytes=-" + "1" * 19])
def test_a_range_with_an_absurd_number_is_refused_before_the_medium_is_read_or_audited(
        client, reviewer, review_case, header):
    """Issue 17: a Range header with thousands of digits answered 500 after its media.viewed
    audit row was written. It is a 400 now, and nothing was read or recorded."""
    staff_login(client, reviewer)
    url = reverse("dashboard:media", kwargs={"public_id": review_case.public_id, "blob_id": review_case.selfie_blob.id})
    response = client.get(url, HTTP_RANGE=header)
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action="media.viewed").exists()
    unusual = client.get(url, HTTP_RANGE="bytes=²-")  # understood as no range: the whole body
    assert unusual.status_code == 200 and unusual.content == review_case.selfie_bytes
