"""Won links: the Won modal, the news of each link's checks, the link-at-risk answers."""
