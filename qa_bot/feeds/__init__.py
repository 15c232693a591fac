"""Feeds and article pages fetched into the articles folder: the ``qa-bot feeds``, ``update`` and ``add`` jobs."""
