"""End-to-end tests: headless Chromium against a real `ficarchive serve` process."""
