"""The Slack app: Bolt listeners (thin), Block Kit builders (pure), and serving."""
