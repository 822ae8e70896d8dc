"""Every table's model imported in one place, for migrations and ``create_all`` in tests."""

from foryou.domains.accounts import models as _accounts
from foryou.domains.interactions import models as _interactions
from foryou.domains.moderation import models as _moderation
from foryou.domains.videos import models as _videos
from foryou.platform import id_slots as _id_slots
from foryou.platform.sql.base import Base
from foryou.stream import models as _stream

metadata = Base.metadata
__all__ = ["metadata"]
_ = (_accounts, _interactions, _moderation, _videos, _stream, _id_slots)
