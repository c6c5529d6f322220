"""Pages of the awards app: ``registry`` (the register of awards and its review) and
``summary`` (the published summary table). Routed by ``awards.urls``."""
