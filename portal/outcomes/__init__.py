"""Outcomes of bids: the recorded result, every published bidder, and rival bid history."""
