import pytest

from tests.faults.harness import Cluster, RedisServer, require_fault_servers, wait_for_no_other_connections


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


FAILED = pytest.StashKey[bool]()


@pytest.fixture
def start_cluster(request, transactional_db, feed_server, tmp_path):
    """start_cluster(appendonly=False, **worker_env): this test's own redis-server and a Cluster
    of workers on it. Everything is killed before the test database is flushed."""
    require_fault_servers()
    # A worker killed mid-request resets its connection: expected here, not worth a traceback.
    feed_server.httpd.handle_error = lambda request, client_address: None
    started: list[tuple[RedisServer, Cluster]] = []

    def start(appendonly: bool = False, **env) -> Cluster:
        server = RedisServer(tmp_path / "redis", appendonly=appendonly).start()
        logs = tmp_path / "logs"
        logs.mkdir(exist_ok=True)
        cluster = Cluster(logs, server, f"127.0.0.1:{feed_server.port}", **env)
        started.append((server, cluster))
        return cluster

    yield start
    for server, cluster in started:
        if request.node.stash.get(FAILED, False):
            print(cluster.tails(6000))
            print(server.log_text()[-2000:])
        cluster.stop()
        if server.process and server.process.poll() is None:
            server.kill()
    wait_for_no_other_connections()
