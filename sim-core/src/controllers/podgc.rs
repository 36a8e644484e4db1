//! TODO: podgc controller (placeholder, see issues).
