"""Where link data comes from: the local index and the live providers."""
