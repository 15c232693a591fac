"""The Slack bot: answers mentions, direct messages and /ask with quoted, sourced answers."""
