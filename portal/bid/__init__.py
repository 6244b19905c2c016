"""One bid, one truth: the official price-score scenario, the bid price, the shared rivals
and the consistency check every page and PDF of an opportunity reads."""
