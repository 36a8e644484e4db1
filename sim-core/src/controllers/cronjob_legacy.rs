//! TODO: cronjob_legacy controller (placeholder, see issues).
