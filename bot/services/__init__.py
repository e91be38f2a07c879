"""The use cases (run an analysis, page a result, triage, draft, send, remind, watch, check
won links): Slack-free, called by the terminal (bot/cli.py) and the Slack listeners alike."""
