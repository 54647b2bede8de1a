"""Development tools that are not part of the product (``liveness``): nothing here is imported by it."""
