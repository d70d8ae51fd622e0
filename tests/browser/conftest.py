import pytest

from tests.browser.harness import Site, Watch, chromium
from tests.services import require_chromium


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    """The demo archive served by a real server, one per module."""
    require_chromium()  # before the setup, which would be for nothing
    site = Site(tmp_path_factory.mktemp("site"))
    try:
        yield site.setup().start()
    finally:
        site.stop()


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture
def new_page(browser):
    """new_page(site, prefix, **context options): a page in a fresh browser context (no cookies)
    and the Watch over it."""
    contexts, watches = [], []

    def open_page(site, prefix, **options):
        options = {"locale": "nl-BE", "viewport": {"width": 1280, "height": 900}, **options}
        context = browser.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        watches.append(Watch(page, site.url, prefix))
        return page, watches[-1]

    yield open_page
    leftover = [problem for watch in watches for problem in watch.problems]  # after a test's last check
    for context in contexts:
        context.close()
    assert not leftover, "\n".join(leftover)
