"""``{{promo_code_ends}}``: the day the creator's promo code stops working (UTC).

Filled like ``{{promo_code}}`` without a key: for a campaign with one promo code incentive,
once the creator's code is shown; blank when there is no code to show or the store gave
the discount no end date. Meant for the templates sent on ``code.expiring``.
"""

from __future__ import annotations

from datetime import UTC

from store import catalog
from store.db import Tx
from sync.config import Config
from sync.creators import CreatorView

DATE_FORMAT = "%Y-%m-%d"


class PromoCodeEndsTag:
    name = "promo_code_ends"

    def value(self, tx: Tx, creator: CreatorView, config: Config | None) -> str:
        del config
        if len(creator.incentives) != 1:
            return ""
        key, code = creator.incentives[0].key, creator.incentives[0].code
        if code is None:
            return ""
        ends_at = catalog.code_ends_at(tx, creator.campaign, key, code)
        return ends_at.astimezone(UTC).strftime(DATE_FORMAT) if ends_at else ""

    def unusable(self, config: Config) -> str | None:
        """Nothing in the configuration is needed: the end date is in the database."""
        del config
        return None


PROMO_CODE_ENDS_TAG = PromoCodeEndsTag()
