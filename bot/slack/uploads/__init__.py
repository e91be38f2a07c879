"""Link exports sent to Gapbot in a DM, imported for the sender's workspace."""
