"""Which of a job's blobs a store holds, against Azurite through a counting proxy: the listing
stops past the last name asked for, and a store far bigger than the job is asked name by name
once that takes less time than the pages left. Either way the answer is the store's.

The choice is made on timings; where a test counts requests, its clock reads the requests made
so far at a price each (a page, a HEAD), so the choice follows the prices and not the machine."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from azure.storage.blob import BlobServiceClient

from azure_batch_maya.services import storage
from azure_batch_maya.services.clients import create_blob_service_client
from azure_batch_maya.services.sas import SasAccess, create_container_sas_url
from azure_batch_maya.services.settings import Secrets
from azure_batch_maya.services.storage import stored_sizes
from tests.faults.proxy import FaultProxy
from tests.services.blobs import FAST, put_tiny_blobs, storage_settings

PAGE = 5  # blobs a listing request, so a few dozen blobs make many pages


def digest_names(rng: random.Random, count: int) -> list[str]:
    return sorted(f"sha256/{rng.getrandbits(256):064x}" for _ in range(count))


@pytest.fixture
def store(client: BlobServiceClient, container: str) -> Iterator[list[str]]:
    """200 one-byte blobs with digest names (40 pages of PAGE), and a foreign blob after them."""
    names = digest_names(random.Random(7), 200)
    writer = create_container_sas_url(
        client, container, access=SasAccess.OUTPUTS, time_limit=timedelta(hours=1)
    )
    put_tiny_blobs(writer, names)
    client.get_container_client(container).upload_blob("tmp/other", b"not a digest")
    yield names


@pytest.fixture
def proxy(azurite) -> Iterator[FaultProxy]:
    counting = FaultProxy(azurite.port)
    yield counting
    counting.close()


@pytest.fixture
def through(azurite, proxy: FaultProxy, monkeypatch: pytest.MonkeyPatch) -> BlobServiceClient:
    monkeypatch.setattr(storage, "LIST_PAGE_SIZE", PAGE)
    return create_blob_service_client(
        storage_settings(proxy.url("/devstoreaccount1")),
        Secrets(storage_key=azurite.account_key),
        options=FAST,
    )


def priced(proxy: FaultProxy, container: str, page: float, head: float) -> Callable[[], float]:
    """A clock that reads the time the requests so far took, at these prices."""
    return lambda: page * lists(proxy, container) + head * heads(proxy, container)


def lists(proxy: FaultProxy, container: str) -> int:
    return sum(1 for m, p, _ in proxy.seen if m == "GET" and p.endswith(f"/{container}"))


def heads(proxy: FaultProxy, container: str) -> int:
    return proxy.count("HEAD", f"/{container}/")


def test_the_listing_stops_past_the_last_name_asked_for(
    through, proxy, container: str, store: list[str]
):
    absent = store[3][:-1] + ("0" if store[3][-1] != "0" else "1")  # beside a held name
    asked = [store[1], store[3], absent]
    assert max(asked) < store[PAGE - 1]  # all on the first page
    sizes = stored_sizes(
        through, container, asked, prefix="sha256/", clock=priced(proxy, container, page=1, head=1)
    )
    assert sizes == {store[1]: 1, store[3]: 1}
    assert lists(proxy, container) == 1 and heads(proxy, container) == 0  # of 40 pages


def test_a_store_far_bigger_than_the_job_is_asked_name_by_name(
    through, proxy, container: str, store: list[str]
):
    rng = random.Random(3)
    held = rng.sample(store[PAGE:], 4)  # none on the first page
    absent = digest_names(rng, 3)
    sizes = stored_sizes(
        through,
        container,
        [*held, *absent],
        prefix="sha256/",
        clock=priced(proxy, container, page=1, head=1),
    )
    assert sizes == dict.fromkeys(held, 1)
    assert lists(proxy, container) == 1  # one page, then a HEAD for each name past it
    assert heads(proxy, container) == len([n for n in [*held, *absent] if n > store[PAGE - 1]])


def test_a_job_naming_much_of_the_store_lists_it(through, proxy, container: str, store: list[str]):
    """One HEAD at a time against pages of 5 names: the ratio of 8 HEADs to a real page's
    5,000 names, where a job naming half the store is cheaper listed."""
    asked = [*store[::2], *digest_names(random.Random(5), 50)]
    sizes = stored_sizes(
        through,
        container,
        asked,
        prefix="sha256/",
        probe_workers=1,
        clock=priced(proxy, container, page=1, head=1),
    )
    assert sizes == dict.fromkeys(store[::2], 1)
    assert heads(proxy, container) == 1  # the one that timed a HEAD
    assert lists(proxy, container) <= len(store) // PAGE + 1


@pytest.mark.parametrize("seed", range(6))
def test_any_mix_of_held_and_absent_names_gets_the_stores_answer(
    through, proxy, container: str, store: list[str], seed: int
):
    rng = random.Random(seed)
    held = rng.sample(store, rng.choice([1, 3, 10, 60, 200]))
    absent = digest_names(rng, rng.choice([0, 2, 40]))
    asked = [*held, *absent, *(["tmp/other"] if seed % 2 else [])]
    sizes = stored_sizes(through, container, asked, prefix="sha256/" if seed % 2 == 0 else None)
    assert sizes == dict.fromkeys(held, 1) | ({"tmp/other": 12} if seed % 2 else {})


def test_nothing_asked_reads_nothing(through, proxy, container: str):
    assert stored_sizes(through, container, [], prefix="sha256/") == {}
    assert proxy.seen == []


@pytest.mark.parametrize(("page", "head", "listed"), [(100.0, 1.0, False), (1.0, 100.0, True)])
def test_what_the_requests_cost_decides(
    through, proxy, container: str, store: list[str], page: float, head: float, listed: bool
):
    """The same job of many names, asked one HEAD at a time: listed while pages are cheap,
    asked by name once they cost a hundred HEADs (a real page of 5,000 costs dozens)."""
    asked = store[PAGE::2]
    clock = priced(proxy, container, page=page, head=head)
    sizes = stored_sizes(through, container, asked, prefix="sha256/", probe_workers=1, clock=clock)
    assert sizes == dict.fromkeys(asked, 1)
    if listed:
        assert heads(proxy, container) == 1 and lists(proxy, container) > 30
    else:
        assert lists(proxy, container) == 1 and heads(proxy, container) == len(asked)


def test_a_store_of_one_page_is_read_once_and_nothing_else(
    through, proxy, client: BlobServiceClient, container: str
):
    names = digest_names(random.Random(1), PAGE - 1)
    for name in names:
        client.get_blob_client(container, name).upload_blob(b"abc")
    beyond = f"sha256/{'f' * 64}"  # past every stored name: still only the one page
    assert stored_sizes(through, container, [*names, beyond], prefix="sha256/") == dict.fromkeys(
        names, 3
    )
    assert lists(proxy, container) == 1 and heads(proxy, container) == 0


def test_a_clock_too_coarse_to_time_a_head_keeps_to_the_listing(
    through, proxy, container: str, store: list[str]
):
    """Windows' monotonic clock ticks every 15.6 ms before Python 3.13: a page takes a tick or
    more, a HEAD may read as 0 s, which once made every remaining name look free to ask for."""
    asked = store[::2]
    coarse = priced(proxy, container, page=1, head=0)
    sizes = stored_sizes(through, container, asked, prefix="sha256/", clock=coarse)
    assert sizes == dict.fromkeys(asked, 1)
    assert heads(proxy, container) == 1 and lists(proxy, container) > 30


def test_names_beyond_ascii_are_found_in_the_services_order(
    through, client: BlobServiceClient, container: str, monkeypatch: pytest.MonkeyPatch
):
    """The service orders by UTF-16 code units, Python by code points: past U+FFFF the two
    disagree, so such names are listed whole rather than stopped short of."""
    monkeypatch.setattr(storage, "LIST_PAGE_SIZE", 1)
    for name in ("p/a", "p/z", "p/\U0001f600", "p/\uff21"):
        client.get_blob_client(container, name).upload_blob(b"12")
    for asked in (["p/\uff21"], ["p/\U0001f600", "p/a"], ["p/\uff21", "p/zz"]):
        held = [n for n in asked if n != "p/zz"]
        assert stored_sizes(through, container, asked, prefix="p/") == dict.fromkeys(held, 2)


class EmptyFirstPage(BaseHTTPRequestHandler):
    """List Blobs as the service may answer it: a first page with no blobs but a NextMarker."""

    def do_GET(self) -> None:
        marker = parse_qs(urlsplit(self.path).query).get("marker")
        blobs = "" if marker is None else f"<Blob><Name>{EMPTY_PAGE_BLOB}</Name><Properties>"
        blobs += "" if marker is None else "<Content-Length>5</Content-Length></Properties></Blob>"
        body = (
            '<?xml version="1.0" encoding="utf-8"?><EnumerationResults ContainerName="c">'
            f"<Prefix>sha256/</Prefix><Blobs>{blobs}</Blobs>"
            f"<NextMarker>{'' if marker else 'next'}</NextMarker></EnumerationResults>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


EMPTY_PAGE_BLOB = "sha256/" + "ab" * 32


def test_an_empty_page_with_more_after_it_does_not_end_the_listing():
    server = ThreadingHTTPServer(("127.0.0.1", 0), EmptyFirstPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = BlobServiceClient(f"http://127.0.0.1:{server.server_port}/acct")
        assert stored_sizes(client, "c", [EMPTY_PAGE_BLOB], prefix="sha256/") == {
            EMPTY_PAGE_BLOB: 5
        }
    finally:
        server.shutdown()
        server.server_close()
