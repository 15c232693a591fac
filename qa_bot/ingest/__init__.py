"""From files to documents and sentences: reading articles with their metadata (:mod:`.read`, with
:mod:`.metadata` and :mod:`.htmltext`), and splitting them into sentences and passages (:mod:`.segment`)."""
