"""The proof engine: steps, justifications, witnesses and verification."""
