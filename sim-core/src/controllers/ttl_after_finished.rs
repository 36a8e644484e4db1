//! TODO: ttl_after_finished controller (placeholder, see issues).
