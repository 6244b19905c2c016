"""Price-score strategy: saved bid scenarios per opportunity, scored with proposals.scoring."""
