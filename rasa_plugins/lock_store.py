"""The lock store, chosen by the environment: Redis when LOCK_STORE_URL is set (needed as soon
as several Rasa replicas share one tracker store: the lock keeps one trainee's messages from
being processed at the same time by two replicas), else Rasa's in-memory lock (one server)."""

import asyncio
from contextlib import asynccontextmanager
from typing import AsyncGenerator, Text
from urllib.parse import unquote, urlparse

from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.exceptions import LockError

from compat.versions import RASA, written_for

POLL_SECONDS = 0.05  # Rasa's own default waits a whole second between tries


class ProcessSafeRedisLockStore(RedisLockStore):
    """Rasa 3.6's RedisLockStore issues tickets by reading, changing and writing a list in three
    steps, so two replicas that receive one trainee's messages at the same moment can both take
    the lock, and one message is lost from the shared tracker (tests/test_scale_out.py shows it;
    Rasa fixed it only in its commercial edition, RasaHQ/rasa#11256). This one takes the lock
    with Redis's atomic SET NX (redis-py's Lock), which expires on its own if a replica dies."""

    @asynccontextmanager
    async def lock(
        self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = POLL_SECONDS
    ) -> AsyncGenerator[None, None]:
        mutex = self.red.lock(f"{self.key_prefix}mutex:{conversation_id}", timeout=lock_lifetime)
        while not mutex.acquire(blocking=False):
            await asyncio.sleep(wait_time_in_seconds)  # poll without holding up the event loop
        try:
            yield
        finally:
            try:
                mutex.release()
            except LockError:  # expired meanwhile (a message took longer than lock_lifetime)
                pass


class LockStoreFromUrl:
    """`type` of endpoints.yml's lock_store; its `url` is redis://[:password@]host[:port][/db]
    (rediss:// for TLS), or empty."""

    def __new__(cls, endpoint_config: EndpointConfig) -> LockStore:
        url = (endpoint_config.url or "").strip()
        if not url:
            return InMemoryLockStore()
        written_for(RASA, "rasa_plugins.lock_store (RedisLockStore.lock)")
        parsed = urlparse(url)
        if parsed.scheme not in ("redis", "rediss") or not parsed.hostname:
            raise ValueError(f"LOCK_STORE_URL must look like redis://host:6379/1, not {url!r}")
        return ProcessSafeRedisLockStore(
            host=parsed.hostname,
            port=parsed.port or 6379,
            db=int(parsed.path.strip("/") or 1),
            username=unquote(parsed.username) if parsed.username else None,
            password=unquote(parsed.password) if parsed.password else None,
            use_ssl=parsed.scheme == "rediss",
            key_prefix=endpoint_config.kwargs.get("key_prefix"),
        )
