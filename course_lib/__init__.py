"""saliency-course reference implementations."""
