"""robustsel."""
