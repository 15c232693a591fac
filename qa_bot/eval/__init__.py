"""``qa-bot eval``: answer quality on a question set. :mod:`.metrics` scores predictions, :mod:`.strategies`
makes them (the pipeline and the baselines), :mod:`.run` is the command's job, :mod:`.sweep` the settings sweep."""
