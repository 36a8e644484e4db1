//! TODO: job controller (placeholder, see issues).
