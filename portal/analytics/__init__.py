"""Leadership analytics and calibration: what closed bids teach."""
