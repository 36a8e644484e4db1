//! Defaulting and validation of Job objects (placeholder).
